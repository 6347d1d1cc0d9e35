import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// The tally check that opens a record is the node's, never a client's: only the node's service key
/// (named by the genesis entry) records one, each auditor's result is theirs alone, and a failed
/// check opens the record to that auditor for `tallyAccessSeconds` only.
@Suite("node-recorded tally checks")
struct NodeRecordedTallyTests {
    static let rx = ContractWorld.prescription

    /// The standard world (the reviewer has a failed check recorded) plus a grant to the auditor.
    static func world() throws -> ContractWorld {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-audit", grantee: world.address(.auditor), scope: .all), by: .patient)
        return world
    }

    @Test("an auditor signing its own audit.tally with a discrepancy is denied, the denial is on the trail, and the record stays closed")
    func selfDeclaredDiscrepancyDenied() throws {
        var world = try Self.world()
        let before = world.state
        let attempt = try world.submit(
            RecordTally(record: Self.rx, auditor: world.address(.auditor), result: .discrepancy, checkpointSize: 1, discrepancies: 1), by: .auditor)
        #expect(!attempt.allowed)
        #expect(attempt.event.action == "audit.tally" && attempt.event.outcome == .denied)
        #expect(attempt.event.actor == world.address(.auditor) && attempt.event.record == Self.rx)
        #expect(attempt.event.patient == world.address(.patient))
        #expect(attempt.event.message.contains("only the node records tally checks"))
        let unchanged = world.state == before
        #expect(unchanged)
        let view = try world.submit(ViewRecord(record: Self.rx), by: .auditor)
        #expect(!view.allowed)
    }

    @Test("an auditor cannot record a check in another auditor's name, nor through a session opened under the node's key")
    func nodeKeyCannotBeBorrowed() throws {
        var world = try Self.world()
        // The patient signs a "node" result for the auditor: denied like any signer but the node.
        let forged = try world.submit(
            RecordTally(record: Self.rx, auditor: world.address(.auditor), result: .discrepancy, checkpointSize: 1, discrepancies: 1), by: .patient)
        #expect(!forged.allowed)
        // The node's public key is public: an auditor registers a session under it. Entries the node
        // signs still act as the node, so the session gains nothing and the check is recorded.
        try world.submit(OpenSession(sessionKey: world.publicKey(.node), expires: world.time + 3_600_000), by: .auditor)
        let recorded = try world.recordTally(of: Self.rx, for: .auditor, result: .tallies)
        #expect(recorded.event.actor == world.address(.node))
        #expect(world.state.records[Self.rx]?.tally(by: world.address(.auditor))?.result == .tallies)
    }

    @Test("no administrator can give the node's service key an account")
    func serviceKeyHoldsNoAccount() throws {
        var world = try Self.world()
        let auditor = try world.submit(CreateAccount(publicKey: world.publicKey(.node), role: .auditor, displayName: "Node"), by: .systemAdmin)
        #expect(!auditor.allowed && auditor.event.message.contains("service key"))
        let admin = try world.submit(AddAdmin(publicKey: world.publicKey(.node), displayName: "Node"), by: .systemAdmin)
        #expect(!admin.allowed)
        #expect(world.account(.node) == nil)
    }

    @Test("another auditor's node-recorded discrepancy opens nothing for you; your own does")
    func discrepancyIsPerAuditor() throws {
        var world = try Self.world()
        let reviewers = try #require(world.state.records[Self.rx]?.tally(by: world.address(.reviewer)))
        #expect(reviewers.result == .discrepancy)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .reviewer).allowed)
        let denied = try world.submit(ViewRecord(record: Self.rx), by: .auditor)
        #expect(!denied.allowed && denied.event.message.contains("failed tally check for them"))
        // Nor does the reviewer's check let the auditor sign off.
        #expect(!(try world.submit(SignOffTrail(record: Self.rx, decision: .flag), by: .auditor).allowed))

        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed)
        #expect(world.state.records[Self.rx]?.tallies?.count == 2)
    }

    @Test("a failed check opens the record for tallyAccessSeconds and then no longer; a later check that tallies closes it at once")
    func accessWindow() throws {
        var world = try Self.world()
        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        let window = SystemParameters.defaults.tallyAccessSeconds
        #expect(window == 24 * 3_600)
        world.advance(seconds: window - 1)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed)
        world.advance(seconds: 1)
        let expired = try world.submit(ViewRecord(record: Self.rx), by: .auditor)
        #expect(!expired.allowed && expired.event.message.contains("no longer opens"))

        // Running the check again opens it again; a check that tallies closes it.
        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed)
        try world.recordTally(of: Self.rx, for: .auditor, result: .tallies)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed))
        #expect(try world.submit(SignOffTrail(record: Self.rx, decision: .approve), by: .auditor).allowed)
    }

    @Test("the window is a system parameter: shortened by a system administrator, it closes access sooner")
    func windowIsAParameter() throws {
        var world = try Self.world()
        try world.require(SetParameters(parameters: SystemParameters(tallyAccessSeconds: 600)), by: .systemAdmin)
        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        world.advance(seconds: 599)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed)
        world.advance(seconds: 1)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed))
        #expect(!(try world.submit(SetParameters(parameters: SystemParameters(tallyAccessSeconds: 600)), by: .hospitalAdmin).allowed))
    }

    @Test("tallyAccessSeconds must be 5 minutes to 30 days; left out, it has its default")
    func windowValidation() throws {
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        func refusal(_ seconds: Int64) throws -> EnvelopeError? {
            let entry = try signer.sign(SetParameters(parameters: SystemParameters(tallyAccessSeconds: seconds)), expires: testNow + 60_000)
            return envelopeError { try ContractWorld.verifier.verify(entry, now: testNow) }
        }
        let reason = EnvelopeError.invalidBody("tallyAccessSeconds must be between 5 minutes and 30 days")
        #expect(try refusal(299) == reason)
        #expect(try refusal(300) == nil)
        #expect(try refusal(30 * 86_400) == nil)
        #expect(try refusal(30 * 86_400 + 1) == reason)
        #expect(try refusal(10 * 366 * 86_400) == reason)
        let older = try JSONDecoder().decode(
            SystemParameters.self, from: Data(#"{"defaultGrantSeconds":60,"maxGrantSeconds":60,"breakGlassSeconds":300}"#.utf8))
        #expect(older.tallyAccessSeconds == SystemParameters.defaultTallyAccessSeconds)
    }

    @Test("the node records checks only for an active auditor whose grant covers the record, against a checkpoint it had reached")
    func nodeNeedsACoveredAuditor() throws {
        var world = try ContractWorld.standard()
        // The auditor holds no grant from this patient.
        let uncovered = try world.submit(
            RecordTally(record: Self.rx, auditor: world.address(.auditor), result: .discrepancy, checkpointSize: 1, discrepancies: 1), by: .node)
        #expect(!uncovered.allowed && uncovered.event.message.contains("no active grant"))
        // A doctor is no auditor, whatever the node signs.
        let doctor = try world.submit(
            RecordTally(record: Self.rx, auditor: world.address(.doctor), result: .discrepancy, checkpointSize: 1, discrepancies: 1), by: .node)
        #expect(!doctor.allowed)
        // A checkpoint the ledger had not reached.
        let future = try world.submit(
            RecordTally(record: Self.rx, auditor: world.address(.reviewer), result: .tallies, checkpointSize: world.nextIndex + 1, discrepancies: 0),
            by: .node)
        #expect(!future.allowed)
    }

    @Test("the recorded check holds counts and a checkpoint size only, and the entry body carries nothing else")
    func entryCarriesCountsOnly() throws {
        let report = TallyReport(
            record: "rx-1", patient: nil, checkpointSize: 9, root: "", events: 4, versions: 2,
            discrepancies: ["Entry 3 is missing from the ledger.", "Version 2 holds content bafy…, but entry 5 signed another CID."])
        let auditor = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let body = RecordTally(report: report, auditor: auditor)
        #expect(body == RecordTally(record: "rx-1", auditor: auditor, result: .discrepancy, checkpointSize: 9, discrepancies: 2))
        let encoded = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(body)) as? [String: Any])
        #expect(Set(encoded.keys) == ["record", "auditor", "result", "checkpointSize", "discrepancies"])
    }

    @Test("the service key is derived from the log key: the same log key gives the same key, another log key another")
    func serviceKeyDerivation() throws {
        let seed = try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32))
        let logKey = NoteSigningKey(name: "example.org/log", privateKey: seed)
        let again = NoteSigningKey(name: "example.org/log", privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: seed.rawRepresentation))
        #expect(NodeServiceKey.derive(from: logKey).rawRepresentation == NodeServiceKey.derive(from: again).rawRepresentation)
        let other = NoteSigningKey(name: "example.org/log", privateKey: Curve25519.Signing.PrivateKey())
        #expect(NodeServiceKey.derive(from: logKey).rawRepresentation != NodeServiceKey.derive(from: other).rawRepresentation)
    }

    @Test("the genesis entry puts the node's service key in the state, where a replay finds it too")
    func genesisNamesServiceKey() throws {
        let world = try ContractWorld.genesis()
        #expect(world.state.ledger?.service == world.address(.node))
        #expect(world.state.isNodeService(world.address(.node)))
        #expect(!world.state.isNodeService(world.address(.systemAdmin)))
        let rebuilt = ContractState(objects: world.state.allObjects)
        #expect(rebuilt.ledger == world.state.ledger)
    }
}
