import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Invited sign-up through `/auth/signup` (an `invitation.accept` envelope instead of a
/// registration) and what the sign-up page says about an invitation link, including the links
/// that cannot be used: damaged, unknown, used, revoked and expired.
@Suite("invited sign-up")
struct InvitedSignupTests {
    /// The invitations' key: the administrator's browser made it, the link carries its private half.
    static let invitationKey = try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 5, count: 32))

    /// The test ledger's administrator makes an invitation with ``invitationKey``.
    static func invite(_ fixture: WebAuthTests.Fixture, id: String, role: Role, seconds: Int64 = 86_400) async throws {
        let body = CreateInvitation(id: id, publicKey: invitationKey.publicKey.payloadKey, role: role, seconds: seconds)
        let receipt = try await fixture.ledger.submit(body, by: fixture.ledger.admin)
        #expect(receipt.contract?.allowed == true, "\(receipt.contract?.event.message ?? "")")
    }

    /// An acceptance signed by `key`, with the proof the link's holder makes for `provenFor` (the
    /// same key unless a test replays a proof made for another).
    static func acceptance(
        _ fixture: WebAuthTests.Fixture, key: P256.Signing.PrivateKey, id: String, role: Role, provenFor: P256.Signing.PrivateKey? = nil
    ) throws -> [UInt8] {
        let invitee = (provenFor ?? key).publicKey.payloadKey
        let proof = try InvitationProof.sign(origin: TestLedger.origin, invitation: id, invitee: invitee, role: role, with: invitationKey)
        return try EnvelopeSigner(key: key).sign(AcceptInvitation(invitation: id, proof: proof, role: role), expires: fixture.ledger.clock.now + 60_000)
    }

    @Test("an invited patient signs up active; the same invitation then registers nobody else, and the refusal is on the ledger")
    func invitedPatientSignsUpOnce() async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-patient", role: .patient)
        let first = P256.Signing.PrivateKey()
        let second = P256.Signing.PrivateKey()
        try await fixture.app.test(.router) { client in
            let created = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "invited.one", role: .patient, key: first,
                    envelope: try Self.acceptance(fixture, key: first, id: "inv-patient", role: .patient)))
            #expect(created.status == .created)
            #expect(try WebAuthTests.object(created)["status"] as? String == "active")
            #expect(await fixture.ledger.node.account(EnvelopeSigner(key: first).address)?.status == .active)

            let before = fixture.ledger.node.size
            let reused = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "invited.two", role: .patient, key: second,
                    envelope: try Self.acceptance(fixture, key: second, id: "inv-patient", role: .patient)))
            #expect(reused.status == .forbidden)
            let error = try WebAuthTests.object(reused)["error"] as? [String: Any]
            #expect((error?["message"] as? String)?.contains("already used") == true)
            #expect(try await fixture.credentials.credential(username: "invited.two") == nil)
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [AcceptInvitation.transactionType])
            #expect(events.first?.outcome == .denied)
        }
    }

    @Test("the sign-up's role must be the one the acceptance names, and the acceptance must be signed with the new key")
    func roleAndKeyMustMatch() async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-doctor", role: .doctor)
        let key = P256.Signing.PrivateKey()
        try await fixture.app.test(.router) { client in
            let swapped = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "swapper", role: .auditor, key: key,
                    envelope: try Self.acceptance(fixture, key: key, id: "inv-doctor", role: .patient)))
            #expect(swapped.status == .unprocessableContent)
            let otherKey = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "swapper", role: .patient, key: key,
                    envelope: try Self.acceptance(fixture, key: P256.Signing.PrivateKey(), id: "inv-doctor", role: .patient)))
            #expect(otherKey.status == .unprocessableContent)
            // Right shape, wrong role for the invitation: the contracts refuse it.
            let wrongRole = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "swapper", role: .patient, key: key,
                    envelope: try Self.acceptance(fixture, key: key, id: "inv-doctor", role: .patient)))
            #expect(wrongRole.status == .forbidden)
            #expect(try await fixture.credentials.all().isEmpty)
            #expect(await fixture.ledger.node.invitation("inv-doctor")?.status == .open)
        }
    }

    @Test("a proof made for one new key is refused for any other, audited, and leaves the invitation open")
    func proofForAnotherKeyIsRefused() async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-patient", role: .patient)
        let invitee = P256.Signing.PrivateKey()
        let thief = P256.Signing.PrivateKey()
        try await fixture.app.test(.router) { client in
            let before = fixture.ledger.node.size
            let stolen = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "thief", role: .patient, key: thief,
                    envelope: try Self.acceptance(fixture, key: thief, id: "inv-patient", role: .patient, provenFor: invitee)))
            #expect(stolen.status == .forbidden)
            let error = try WebAuthTests.object(stolen)["error"] as? [String: Any]
            #expect((error?["message"] as? String)?.contains("proof does not match") == true)
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [AcceptInvitation.transactionType])
            #expect(events.first?.outcome == .denied)
            #expect(await fixture.ledger.node.invitation("inv-patient")?.status == .open)
            // The invitee's own acceptance still works.
            let own = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "invitee", role: .patient, key: invitee,
                    envelope: try Self.acceptance(fixture, key: invitee, id: "inv-patient", role: .patient)))
            #expect(own.status == .created)
        }
    }

    @Test("an expired invitation is refused at sign-up, and the page says it expired")
    func expiredInvitationIsRefused() async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-short", role: .patient, seconds: 3_600)
        fixture.ledger.clock.advance(millis: 3_600_000)
        let page = await InvitationLink.context(id: "inv-short", node: fixture.ledger.node)
        #expect((page["problem"] as? String)?.contains("expired") == true)
        #expect(page["open"] == nil)
        let key = P256.Signing.PrivateKey()
        try await fixture.app.test(.router) { client in
            let answer = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await WebAuthTests.signupBody(
                    client, username: "late.one", role: .patient, key: key,
                    envelope: try Self.acceptance(fixture, key: key, id: "inv-short", role: .patient)))
            #expect(answer.status == .forbidden)
            #expect(try await fixture.credentials.credential(username: "late.one") == nil)
        }
    }

    @Test("the sign-up page describes an open invitation and words every unusable link plainly", arguments: [
        "", "   ", "../../etc/passwd", "inv with spaces", String(repeating: "a", count: 65), "inv-é", "inv-unknown", "%00", "inv-revoked",
    ])
    func pageDescribesLinks(id: String) async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-revoked", role: .patient)
        _ = try await fixture.ledger.submit(RevokeInvitation(invitation: "inv-revoked"), by: fixture.ledger.admin)
        let page = await InvitationLink.context(id: id, node: fixture.ledger.node)
        #expect(page["open"] == nil)
        #expect((page["problem"] as? String)?.isEmpty == false)
    }

    @Test("an open invitation's page shows its role, expiry and the public key to check the link against, never a private key")
    func pageDescribesOpenInvitation() async throws {
        let fixture = try await WebAuthTests.fixture()
        try await Self.invite(fixture, id: "inv-open", role: .patient)
        let page = await InvitationLink.context(id: "inv-open", node: fixture.ledger.node)
        #expect(page["open"] as? Bool == true)
        #expect(page["role"] as? String == "patient")
        #expect(page["invitationKey"] as? String == Self.invitationKey.publicKey.payloadKey)
        #expect((page["expiresText"] as? String)?.hasSuffix("UTC") == true)
        let privateScalar = Base64Coding.url(Array(Self.invitationKey.rawRepresentation))
        #expect(page.values.compactMap { $0 as? String }.allSatisfy { !$0.contains(privateScalar) })
        #expect(await InvitationLink.context(id: nil, node: fixture.ledger.node).isEmpty)
    }
}
