import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

/// The node's own entries on a real store: tally checks it records for auditors and operator
/// pings, both signed with the service key the genesis entry names; `verify` replays them.
@Suite("node-signed entries: recorded tallies and pings")
struct NodeTallyLedgerTests {
    @Test("the node records a failed check for the auditor, who may then open the record; the ledger still verifies")
    func recordedDiscrepancyVerifies() async throws {
        let scenario = try await AuditToolsTests.scenario()
        let node = scenario.node
        let clean = try await node.recordTally(record: "doc-1", for: scenario.auditor.address)
        #expect(clean.report.tallies)
        #expect(clean.receipt.contract?.allowed == true)
        let event = try #require(clean.receipt.contract?.event)
        #expect(event.actor == node.service.address && event.auditor == scenario.auditor.address && event.record == "doc-1")
        await #expect(throws: QueryError.self) { try await scenario.ledger.query(ViewRecord(record: "doc-1"), by: scenario.auditor) }

        // An object is altered behind the ledger's back: the node's check fails and says so.
        var altered = try #require(scenario.blobs.storedBytes(scenario.versions[0]))
        altered[altered.count / 2] ^= 0x40
        scenario.blobs.overwrite(scenario.versions[0], with: altered)
        let failed = try await node.recordTally(record: "doc-1", for: scenario.auditor.address)
        #expect(!failed.report.tallies && failed.receipt.contract?.allowed == true)
        let check = try #require(await node.record("doc-1")?.tally(by: scenario.auditor.address))
        #expect(check.result == .discrepancy && check.discrepancies == failed.report.discrepancies.count)
        #expect(check.entry == failed.receipt.index && check.checkpointSize < failed.receipt.index + 1)
        let opened = try await scenario.ledger.query(ViewRecord(record: "doc-1", version: 3), by: scenario.auditor)
        #expect(opened.outcome.allowed)

        // The entry carries no discrepancy wording, only counts.
        let stored = try #require(try await scenario.ledger.store.entries(failed.receipt.index..<(failed.receipt.index + 1)).first)
        let envelope = try JSONDecoder().decode(DSSEEnvelope.self, from: Data(stored.entry))
        let payload = String(decoding: try #require(Base64Coding.decodeStandard(envelope.payload)), as: UTF8.self)
        #expect(!payload.contains("integrity") && !payload.contains("version 1"))

        let report = try await LedgerVerifier(store: scenario.ledger.store, verifierKey: scenario.ledger.signingKey.verifierKey).run()
        #expect(report.entries == node.size)
    }

    @Test("a ping from any key but the node's is refused as operator-only and not sequenced; the node's own pings pass and verify")
    func pingsOnlyFromTheNode() async throws {
        let ledger = try await TestLedger.make()
        let size = ledger.node.size
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        await #expect(throws: EnvelopeError.operatorOnly("ledger.ping")) { try await ledger.node.submit(try ledger.ping(from: stranger)) }
        await #expect(throws: EnvelopeError.operatorOnly("ledger.ping")) { try await ledger.node.submit(try ledger.ping(from: ledger.admin)) }
        #expect(ledger.node.size == size)
        let receipt = try await ledger.node.ping()
        #expect(receipt.index == size && receipt.contract == nil)
        try await ledger.appendPings(3)
        let report = try await LedgerVerifier(store: ledger.store, verifierKey: ledger.signingKey.verifierKey).run()
        #expect(report.entries == size + 4)
    }

    @Test("a ping carrying a body field is refused as unknown_field, even from the node's key")
    func pingCarriesNothing() async throws {
        let ledger = try await TestLedger.make()
        let service = ledger.node.service
        let payload = #"{"body":{"note":"hello"},"expires":\#(ledger.clock.now + 60_000),"nonce":"\#(EnvelopeSigner.randomNonce())","origin":"\#(TestLedger.origin)","signer":"\#(service.payloadKey)","type":"ledger.ping"}"#
        let entry = try service.signPayloadBytes(Array(payload.utf8))
        await #expect(throws: EnvelopeError.unknownField("body", #"body."note""#)) { try await ledger.node.submit(entry) }
        #expect(ledger.node.size == 1)
    }

    @Test("the genesis entry names the service key the node derives from its log key, and a reopened node derives the same")
    func genesisNamesTheNodesKey() async throws {
        let ledger = try await TestLedger.make()
        let state = try await ledger.store.contractState()
        #expect(state.ledger?.service == ledger.node.service.address)
        let reopened = try await LedgerNode.open(store: ledger.store, signingKey: ledger.signingKey, clock: ledger.clock.read)
        #expect(reopened.service.address == ledger.node.service.address)
        #expect(try await reopened.ping().index == 1)
    }
}
