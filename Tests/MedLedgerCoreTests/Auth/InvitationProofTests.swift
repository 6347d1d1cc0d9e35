import Crypto
import Testing

@testable import MedLedgerCore

/// The invitation proof: it verifies only with the invitation's key, for the ledger, invitation,
/// new key and role it was made for, and only in low-S form.
@Suite("invitation proof")
struct InvitationProofTests {
    static let origin = "invitation.test/log"
    static let invitee = P256.Signing.PrivateKey().publicKey.payloadKey

    @Test("the text signed is domain-separated and names every bound value on its own line")
    func message() {
        let text = String(decoding: InvitationProof.message(origin: "o", invitation: "inv-1", invitee: "k", role: .hospitalManagement), as: UTF8.self)
        #expect(text == "medledger-invitation-v1\no\ninv-1\nk\nhospital_management")
    }

    @Test("a proof made with the invitation's key verifies; one by another key, or for another ledger, invitation, new key or role does not")
    func boundToEverything() throws {
        let key = P256.Signing.PrivateKey()
        let proof = try InvitationProof.sign(origin: Self.origin, invitation: "inv-1", invitee: Self.invitee, role: .doctor, with: key)
        #expect(InvitationProof.isWellFormed(proof))
        func check(_ invitationKey: String, _ origin: String, _ invitation: String, _ invitee: String, _ role: Role) -> InvitationProofError? {
            do {
                try InvitationProof.verify(proof: proof, invitationKey: invitationKey, origin: origin, invitation: invitation, invitee: invitee, role: role)
                return nil
            } catch { return error }
        }
        let named = key.publicKey.payloadKey
        #expect(check(named, Self.origin, "inv-1", Self.invitee, .doctor) == nil)
        #expect(check(P256.Signing.PrivateKey().publicKey.payloadKey, Self.origin, "inv-1", Self.invitee, .doctor) == .badSignature)
        #expect(check(named, "elsewhere.test/log", "inv-1", Self.invitee, .doctor) == .badSignature)
        #expect(check(named, Self.origin, "inv-2", Self.invitee, .doctor) == .badSignature)
        #expect(check(named, Self.origin, "inv-1", P256.Signing.PrivateKey().publicKey.payloadKey, .doctor) == .badSignature)
        #expect(check(named, Self.origin, "inv-1", Self.invitee, .patient) == .badSignature)
        #expect(check("not a key", Self.origin, "inv-1", Self.invitee, .doctor) == .badKey)
    }

    @Test("the high-S twin of a valid proof is refused as non-canonical, and malformed proofs as malformed")
    func canonicalOnly() throws {
        let key = P256.Signing.PrivateKey()
        let proof = try InvitationProof.sign(origin: Self.origin, invitation: "inv-1", invitee: Self.invitee, role: .patient, with: key)
        let raw = try #require(Base64Coding.decodeURL(proof))
        #expect(LowSSignature.isLowS(raw))
        let twin = Base64Coding.url(LowSSignature.twin(raw))
        #expect(InvitationProof.isWellFormed(twin))
        #expect(throws: InvitationProofError.nonCanonical) {
            try InvitationProof.verify(
                proof: twin, invitationKey: key.publicKey.payloadKey, origin: Self.origin, invitation: "inv-1", invitee: Self.invitee, role: .patient)
        }
        for bad in ["", "!!!", Base64Coding.url([UInt8](repeating: 0, count: 63)), Base64Coding.url([UInt8](repeating: 0, count: 65))] {
            #expect(!InvitationProof.isWellFormed(bad))
            #expect(throws: InvitationProofError.malformed) {
                try InvitationProof.verify(
                    proof: bad, invitationKey: key.publicKey.payloadKey, origin: Self.origin, invitation: "inv-1", invitee: Self.invitee, role: .patient)
            }
        }
    }
}
