import Crypto
import Foundation
import GRDB
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerStorage

/// An audit event may name several patients and records (a page view that showed several): the
/// audit log stores them, indexes each, and finds the event through any of them.
@Suite("audit events naming several patients and records")
struct AuditSubjectsTests {
    /// Two patients who each granted the doctor everything, with one record each.
    struct World {
        let ledger: TestLedger
        let alice: EnvelopeSigner
        let bob: EnvelopeSigner
        let doctor: EnvelopeSigner
    }

    func makeWorld(auditIndexBatch: Int64) async throws -> World {
        let ledger = try await TestLedger.make(auditIndexBatch: auditIndexBatch)
        let alice = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let bob = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        for patient in [alice, bob] {
            try await ledger.submit(
                RegisterPatient(profile: try await ledger.document(#"{"name":"P"}"#, owner: patient.address, uploader: patient.address)), by: patient)
        }
        try await ledger.addVerifiedDoctor(doctor)
        for (patient, id) in [(alice, "a-1"), (bob, "b-1")] {
            let content = try await ledger.document(id, owner: patient.address, uploader: patient.address)
            try await ledger.submit(AddDocument(id: id, category: .reports, content: content), by: patient)
            try await ledger.submit(CreateGrant(id: "g-\(id)", grantee: doctor.address, scope: .all), by: patient)
        }
        return World(ledger: ledger, alice: alice, bob: bob, doctor: doctor)
    }

    @Test("a page view naming two patients and two records is on each one's events, indexed or not", arguments: [1, 4096] as [Int64])
    func severalSubjects(auditIndexBatch: Int64) async throws {
        let world = try await makeWorld(auditIndexBatch: auditIndexBatch)
        let result = try await world.ledger.query(
            PageView([
                ViewRecord(record: "a-1"), ViewRecord(record: "b-1"),
                ViewNames(accounts: [world.alice.address, world.bob.address]),
            ]), by: world.doctor)
        let event = result.event
        #expect(event.patients == [world.alice.address, world.bob.address])
        #expect(event.records == ["a-1", "b-1"])
        // A few more entries, so the batched index covers the page view.
        try await world.ledger.appendPings(2)
        let stored = try await world.ledger.store.events(entries: event.index..<(event.index + 1))
        #expect(stored == [event])
        for query in [
            AuditQuery(patient: world.alice.address), AuditQuery(patient: world.bob.address),
            AuditQuery(record: "a-1"), AuditQuery(record: "b-1"),
        ] {
            let found = try await world.ledger.store.events(query)
            #expect(found.contains(event), "\(query)")
            let all = try await world.ledger.store.events(AuditQuery(limit: AuditQuery.maxLimit))
            #expect(found == all.filter(query.matches), "\(query)")
        }
        let fault = try await world.ledger.store.firstAuditIndexFault()
        #expect(fault == nil)
        // Each read's answer came back with its content.
        let reads = try #require(result.reads)
        #expect(reads.count == 3)
        for read in reads.prefix(2) {
            guard case .answered(let part) = read else {
                Issue.record("a record read was refused")
                continue
            }
            #expect(part.content != nil)
        }
        guard case .answered(let names)? = reads.last else {
            Issue.record("the names read was refused")
            return
        }
        #expect(names.names?.count == 2)
    }

    @Test("a page view on a record's trail as its second record passes the tally check and the audit bundle's checks")
    func pageViewOnTheTrail() async throws {
        let world = try await makeWorld(auditIndexBatch: 4096)
        let result = try await world.ledger.query(PageView([ViewRecord(record: "a-1"), ViewRecord(record: "b-1")]), by: world.doctor)
        #expect(result.event.otherRecords == ["b-1"])
        let tally = try await world.ledger.node.tally(record: "b-1")
        #expect(tally.discrepancies == [])
        let bundle = try await world.ledger.node.auditBundle(record: "b-1")
        #expect(bundle.events.map(\.event.index).contains(result.event.index))
        let verified = await AuditBundleVerifier(logKey: world.ledger.signingKey.verifierKey).verify(bundle)
        #expect(verified.failures == [])
        // Replaying the contracts gives the same event, further records and all.
        let report = try await LedgerVerifier(store: world.ledger.store, verifierKey: world.ledger.signingKey.verifierKey).run()
        #expect(report.entries == world.ledger.node.size)
    }

    @Test("the index check finds a further patient missing from the index")
    func indexCheckCoversFurtherPatients() async throws {
        let world = try await makeWorld(auditIndexBatch: 1)
        let result = try await world.ledger.query(
            PageView([ViewNames(accounts: [world.alice.address, world.bob.address])]), by: world.doctor)
        try await world.ledger.appendPings(1)
        try await world.ledger.database.writer.write { db in
            try db.execute(
                sql: "DELETE FROM audit_key WHERE kind = ? AND key = ? AND idx = ?",
                arguments: [AuditKey.Kind.patient.rawValue, world.bob.address.rawValue, Int64(result.event.index)])
        }
        let fault = try await world.ledger.store.firstAuditIndexFault()
        #expect(fault?.index == result.event.index)
    }

    @Test("a database written before events named several patients opens, and its events read as before")
    func migrationOfAnExistingDatabase() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-subjects-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("ledger.sqlite").path
        let actor = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        do {
            let queue = try DatabaseQueue(path: path)
            try LedgerDatabase.migrator.migrate(queue, upTo: "v3-credentials")
            try await queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, actor_role, patient, doctor,
                            auditor, record, version, break_glass) VALUES (0, 5, 'record.view', 'viewed', 'allowed', 'View record r-1 v1',
                            ?, 'doctor', ?, ?, NULL, 'r-1', 1, 0)
                        """,
                    arguments: [actor.rawValue, patient.rawValue, actor.rawValue])
            }
        }
        let database = try LedgerDatabase.open(path: path)
        let store = SQLiteLedgerStore(database: database)
        let events = try await store.events(entries: 0..<1)
        #expect(
            events == [
                AuditEvent(
                    index: 0, time: 5, action: "record.view", status: .viewed, outcome: .allowed, message: "View record r-1 v1", actor: actor,
                    actorRole: .doctor, patient: patient, doctor: actor, record: "r-1", version: 1)
            ])
        #expect(try await store.events(AuditQuery(patient: patient)).count == 1)
        #expect(try await store.events(AuditQuery(record: "r-1")).count == 1)
    }
}
