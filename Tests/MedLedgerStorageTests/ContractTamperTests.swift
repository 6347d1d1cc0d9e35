import Crypto
import Foundation
import GRDB
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

/// `verify` replays the contracts: any stored audit event or state object that differs from the
/// replay is named, and so is one that no entry produced.
@Suite("contract state and audit tamper detection")
struct ContractTamperTests {

    /// A ledger with a patient, a verified doctor, a record, a grant, reads and one denial.
    func ledgerWithActivity(auditIndexBatch: Int64 = 4096) async throws -> (TestLedger, patient: EnvelopeSigner) {
        let ledger = try await TestLedger.make(auditIndexBatch: auditIndexBatch)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        let certificate = try await ledger.document("certificate", owner: doctor.address, uploader: ledger.admin.address)
        try await ledger.submit(CreateAccount(publicKey: doctor.payloadKey, role: .doctor, displayName: "Dr Who", certificate: certificate), by: ledger.admin)
        try await ledger.submit(VerifyDoctor(doctor: doctor.address, decision: .approve, certificate: certificate), by: ledger.admin)
        try await ledger.submit(AddDocument(id: "doc-1", category: .labResults, content: try await ledger.document("doc-1", owner: patient.address, uploader: patient.address)), by: patient)
        try await ledger.submit(ViewRecord(record: "doc-1"), by: doctor)  // denied: no grant yet
        try await ledger.submit(CreateGrant(id: "g-1", grantee: doctor.address, scope: .all), by: patient)
        try await ledger.submit(ViewRecord(record: "doc-1"), by: doctor)
        try await ledger.appendPings(3)
        return (ledger, patient)
    }

    func verify(_ ledger: TestLedger) async throws -> LedgerVerifier.Report {
        var verifier = LedgerVerifier(store: ledger.store, verifierKey: ledger.signingKey.verifierKey)
        verifier.chunkSize = 3
        return try await verifier.run()
    }

    func expectFailure(_ ledger: TestLedger, containing phrase: String) async throws {
        do {
            _ = try await verify(ledger)
            Issue.record("verification passed on a tampered ledger")
        } catch let error as LedgerVerificationError {
            #expect(error.description.contains(phrase), "\(error.description)")
        }
    }

    @Test("an untouched ledger with contract activity verifies and counts its events and objects")
    func cleanLedger() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        let report = try await verify(ledger)
        #expect(report.entries == 11)
        #expect(report.events == 8)  // genesis and seven actions; pings emit none
        #expect(report.stateObjects == 6)  // the ledger's identity (node service key), admin, patient, doctor, record, grant
        #expect(try await ledger.store.contractState() == (try await ledger.store.contractState()))
    }

    @Test("the stored state equals the state the node holds, and survives reopening")
    func storedStateMatches() async throws {
        let (ledger, patient) = try await ledgerWithActivity()
        let state = try await ledger.store.contractState()
        #expect(state.records["doc-1"]?.patient == patient.address)
        #expect(state.grants["g-1"]?.status == .active)
        let reopened = try await LedgerNode.open(store: ledger.store, signingKey: ledger.signingKey, clock: ledger.clock.read)
        // The reopened node decides from the stored state: a second grant id clash is denied.
        let receipt = try await reopened.submit(try patient.sign(CreateGrant(id: "g-1", grantee: ledger.admin.address, scope: .all), expires: ledger.clock.now + 60_000))
        #expect(receipt.contract?.allowed == false)
    }

    @Test("a changed audit event is named", arguments: [
        "UPDATE audit_event SET outcome = 'allowed' WHERE outcome = 'denied'",
        "UPDATE audit_event SET actor = 'ml0000000000000000000000000000000000000000' WHERE idx = 4",
        "UPDATE audit_event SET time = time + 1 WHERE idx = 2",
        "UPDATE audit_event SET message = 'nothing happened' WHERE idx = 7",
    ])
    func changedEvent(sql: String) async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in try db.execute(sql: sql) }
        try await expectFailure(ledger, containing: "differs from the contracts' replay")
    }

    @Test("a deleted audit event is named as missing")
    func deletedEvent() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in try db.execute(sql: "DELETE FROM audit_event WHERE idx = 5") }
        try await expectFailure(ledger, containing: "audit event of entry 5 is bad: it is missing")
    }

    @Test("an invented audit event is named")
    func inventedEvent() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in
            try db.execute(sql: """
                INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, break_glass)
                SELECT 9, time, action, status, outcome, message, actor, 0 FROM audit_event WHERE idx = 1
                """)
        }
        try await expectFailure(ledger, containing: "audit event of entry 9 is bad")
    }

    @Test("a changed state object is named by kind and id")
    func changedStateObject() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in
            let document = try String.fetchOne(db, sql: "SELECT CAST(document AS TEXT) FROM state_object WHERE kind = 'grant' AND id = 'g-1'")!
            let widened = document.replacingOccurrences(of: #""oneTime":false"#, with: #""oneTime":true"#)
            #expect(widened != document)
            try db.execute(sql: "UPDATE state_object SET document = CAST(? AS BLOB) WHERE kind = 'grant' AND id = 'g-1'", arguments: [widened])
        }
        try await expectFailure(ledger, containing: "grant g-1 differs")
    }

    @Test("a deleted state object and an invented one are named")
    func missingAndInventedObjects() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in try db.execute(sql: "DELETE FROM state_object WHERE kind = 'record'") }
        try await expectFailure(ledger, containing: "record doc-1 is missing from the stored state")

        let (other, _) = try await ledgerWithActivity()
        try await other.database.writer.write { db in
            try db.execute(sql: "INSERT INTO state_object (kind, id, document) SELECT kind, 'g-2', CAST(REPLACE(CAST(document AS TEXT), '\"g-1\"', '\"g-2\"') AS BLOB) FROM state_object WHERE id = 'g-1'")
        }
        try await expectFailure(other, containing: "grant g-2 is stored but no entry created it")
    }

    @Test("a state document that does not decode is reported, not trusted")
    func corruptDocument() async throws {
        let (ledger, _) = try await ledgerWithActivity()
        try await ledger.database.writer.write { db in
            try db.execute(sql: "UPDATE state_object SET document = CAST('{' AS BLOB) WHERE kind = 'record'")
        }
        try await expectFailure(ledger, containing: "contract state is bad")
    }

    @Test("the audit index is checked against the events: a hidden, an invented or an over-claimed key is named", arguments: [
        ("DELETE FROM audit_key WHERE kind = 0 AND key = 'doc-1' AND idx = (SELECT MIN(idx) FROM audit_key WHERE kind = 0)", "record key is missing from the audit index"),
        ("INSERT INTO audit_key (kind, key, idx) VALUES (1, 'ml0000000000000000000000000000000000000000', 5)", "patient key is in the audit index but not in the event"),
        ("UPDATE audit_key_state SET upto = 1000", "claims to cover entries that do not exist"),
        ("UPDATE audit_key_state SET upto = 3", "above its watermark"),
    ])
    func tamperedAuditIndex(sql: String, phrase: String) async throws {
        let (ledger, _) = try await ledgerWithActivity(auditIndexBatch: 1)
        #expect(try await verify(ledger).events == 8)
        try await ledger.database.writer.write { db in try db.execute(sql: sql) }
        try await expectFailure(ledger, containing: phrase)
    }

    @Test("a trail read through the index hides nothing after the index was tampered with only if verify says so")
    func trailMatchesIndexedAndUnindexed() async throws {
        let (indexed, _) = try await ledgerWithActivity(auditIndexBatch: 1)
        let (unindexed, _) = try await ledgerWithActivity(auditIndexBatch: 4096)
        let a = try await indexed.store.events(AuditQuery(record: "doc-1")).map(\.action)
        let b = try await unindexed.store.events(AuditQuery(record: "doc-1")).map(\.action)
        #expect(a == b)
        #expect(a == ["record.add", "record.view", "record.view"])
    }
}
