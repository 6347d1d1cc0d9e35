import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

/// The shared audit-bundle vectors (Tests/Vectors/audit-bundles.json): a real bundle and tampered
/// copies of it, each with the failures Core's ``AuditBundleVerifier`` names. The browser's
/// verifier (static/js/proofs.js, `verifyBundle`) is held to the same answers by
/// e2e/test_web_verifier.py, so the auditor's page and the offline tool cannot drift apart.
///
/// `MEDLEDGER_WRITE_VECTORS=1 swift test --filter AuditBundleVectorsTests` writes a new file
/// from a fresh ledger; every run checks the committed one.
@Suite("shared audit-bundle vectors")
struct AuditBundleVectorsTests {
    struct Vectors: Codable {
        var description: String
        var logKey: String
        var cases: [Case]
    }

    struct Case: Codable {
        var name: String
        var bundle: AuditBundle
        /// What the verifier says, in order; empty for the untouched bundle.
        var failures: [String]
    }

    static let url = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Vectors/audit-bundles.json")

    @Test("the committed vectors get exactly the failures they record, and every tampered case fails")
    func committedVectorsHold() async throws {
        if ProcessInfo.processInfo.environment["MEDLEDGER_WRITE_VECTORS"] == "1" {
            try await Self.write()
        }
        let vectors = try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: Self.url))
        let logKey = try #require(NoteVerifierKey(vkey: vectors.logKey))
        let verifier = AuditBundleVerifier(logKey: logKey)
        #expect(vectors.cases.count >= 10)
        #expect(vectors.cases.first?.failures == [])
        for vector in vectors.cases {
            #expect(await verifier.verify(vector.bundle).failures == vector.failures, "\(vector.name)")
            if !Self.passing.contains(vector.name) { #expect(!vector.failures.isEmpty, "\(vector.name) must fail") }
        }
    }

    /// The cases that must pass: the untouched bundle, and an event that names the bundle's record
    /// among its `otherRecords` (a page view that read several records) rather than as `record`.
    static let passing: Set<String> = ["untouched", "record among the event's others"]

    /// Tampered copies of a real bundle, one rule broken in each, and the changes that break none.
    static func cases(from bundle: AuditBundle, scenario: AuditToolsTests.Scenario) throws -> [(String, AuditBundle)] {
        var cases: [(String, AuditBundle)] = [("untouched", bundle)]
        func variant(_ name: String, _ change: (inout AuditBundle) throws -> Void) rethrows {
            var copy = bundle
            try change(&copy)
            cases.append((name, copy))
        }
        try variant("entry altered") { copy in
            var entry = try #require(Base64Coding.decodeStandard(copy.events[0].entry))
            entry[entry.count - 5] ^= 0x01
            copy.events[0].entry = Base64Coding.standard(entry)
        }
        variant("events out of order") { $0.events.swapAt(1, 2) }
        variant("event about another record") { $0.events[1].event.record = "doc-2" }
        variant("event names another action") { $0.events[1].event.action = DeleteRecord.transactionType }
        variant("event names another actor") { $0.events[1].event.actor = scenario.auditor.address }
        variant("delegation left out") { $0.delegations = [] }
        variant("event after the checkpoint") { $0.events[2].event.time += 10 * 86_400_000 }
        variant("version with another CID") { $0.versions[2].content = bundle.versions[0].content }
        variant("version's write left out") { $0.events.remove(at: 1) }
        variant("version backed by a read") { $0.versions[0].entry = bundle.events[3].event.index }
        variant("deletion that is not one") { $0.deletedAt = bundle.events[2].event.index }
        variant("checkpoint of another log") { $0.origin = "elsewhere.example/log" }
        variant("record among the event's others") { copy in
            copy.events[3].event.record = "doc-0"
            copy.events[3].event.otherRecords = ["doc-1"]
        }
        return cases
    }

    static func write() async throws {
        let scenario = try await AuditToolsTests.scenario()
        let bundle = try await scenario.node.auditBundle(record: "doc-1")
        let verifier = AuditToolsTests.verifier(scenario)
        let vectors = Vectors(
            description: "Audit bundles of one record (three versions, a read signed by a delegated session key) and tampered copies, "
                + "each with the failures MedLedger's AuditBundleVerifier names. Written by AuditBundleVectorsTests; the browser's verifier must fail the same cases on the same entries.",
            logKey: scenario.ledger.signingKey.verifierKey.vkey,
            cases: []
        )
        var written = vectors
        for (name, tampered) in try cases(from: bundle, scenario: scenario) {
            written.cases.append(Case(name: name, bundle: tampered, failures: await verifier.verify(tampered).failures))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try (encoder.encode(written) + Data("\n".utf8)).write(to: url, options: .atomic)
    }
}
