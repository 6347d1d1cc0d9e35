import Crypto
import Testing

@testable import MedLedgerCore

/// The sign-up proof of possession: it verifies only for the key, challenge, ledger, username and
/// role it was made for, and only in low-S form.
@Suite("sign-up proof")
struct SignupProofTests {
    static let origin = "signup.test/log"
    static let challenge = "q2Zk3F0m8l1xk7o3m1b0dJp5hJ0qz9y3b8Wc4vR2sTA"

    @Test("a proof made with the named key verifies and gives the key's address")
    func verifies() throws {
        let key = P256.Signing.PrivateKey()
        let proof = try SignupProof.sign(origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor, with: key)
        let address = try SignupProof.verify(
            proof: proof, publicKey: key.publicKey.payloadKey, origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor)
        #expect(address == AccountAddress(publicKey: key.publicKey))
    }

    @Test("the text signed is domain-separated and names every bound value on its own line")
    func message() {
        let text = String(decoding: SignupProof.message(origin: "o", challenge: "c", username: "u", role: .hospitalManagement), as: UTF8.self)
        #expect(text == "medledger-signup-v1\no\nc\nu\nhospital_management")
    }

    @Test("a proof by another key, or for another challenge, ledger, username or role, is refused")
    func boundToEverything() throws {
        let key = P256.Signing.PrivateKey()
        let other = P256.Signing.PrivateKey()
        let proof = try SignupProof.sign(origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor, with: key)
        func check(_ publicKey: String, _ origin: String, _ challenge: String, _ username: String, _ role: Role) -> SignupProofError? {
            do {
                _ = try SignupProof.verify(proof: proof, publicKey: publicKey, origin: origin, challenge: challenge, username: username, role: role)
                return nil
            } catch { return error }
        }
        let named = key.publicKey.payloadKey
        #expect(check(other.publicKey.payloadKey, Self.origin, Self.challenge, "erin", .auditor) == .badSignature)
        #expect(check(named, "elsewhere.test/log", Self.challenge, "erin", .auditor) == .badSignature)
        #expect(check(named, Self.origin, Self.challenge + "x", "erin", .auditor) == .badSignature)
        #expect(check(named, Self.origin, Self.challenge, "erin2", .auditor) == .badSignature)
        #expect(check(named, Self.origin, Self.challenge, "erin", .pharmacy) == .badSignature)
        #expect(check("not a key", Self.origin, Self.challenge, "erin", .auditor) == .badKey)
    }

    @Test("the high-S twin of a valid proof is refused as non-canonical, and malformed proofs as malformed")
    func canonicalOnly() throws {
        let key = P256.Signing.PrivateKey()
        let proof = try SignupProof.sign(origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor, with: key)
        let raw = try #require(Base64Coding.decodeURL(proof))
        #expect(LowSSignature.isLowS(raw))
        let twin = Base64Coding.url(LowSSignature.twin(raw))
        #expect(throws: SignupProofError.nonCanonical) {
            try SignupProof.verify(
                proof: twin, publicKey: key.publicKey.payloadKey, origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor)
        }
        for bad in ["", "!!!", Base64Coding.url([UInt8](repeating: 0, count: 63))] {
            #expect(throws: SignupProofError.malformed) {
                try SignupProof.verify(
                    proof: bad, publicKey: key.publicKey.payloadKey, origin: Self.origin, challenge: Self.challenge, username: "erin", role: .auditor)
            }
        }
    }

    @Test("a sign-up waiting for an account expires after its lifetime, saturating")
    func awaitingExpiry() {
        let credential = Credential(
            username: "erin", address: AccountAddress(uncompressedPoint: [4] + [UInt8](repeating: 3, count: 64)), publicKey: "k",
            role: .auditor, salt: "s", iterations: Credential.minimumIterations, wrappedKey: "w", authHash: [], authSalt: [],
            createdAt: 1_000, updatedAt: 1_000)
        #expect(credential.awaitingAccountExpires(lifetime: 500) == 1_500)
        #expect(!credential.awaitingAccountExpired(now: 1_499, lifetime: 500))
        #expect(credential.awaitingAccountExpired(now: 1_500, lifetime: 500))
        #expect(credential.awaitingAccountExpires(lifetime: .max) == .max)
    }
}
