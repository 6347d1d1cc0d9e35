import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

/// The audit log answers every filter the contracts allow, and each answer equals a plain filter
/// over all events.
@Suite("audit log queries")
struct AuditQueryTests {

    @Test(
        "record, patient, actor, action, break-glass, time window and paging each select exactly the matching events, indexed or not",
        arguments: [1, 3, 5, 4096] as [Int64]
    )
    func filters(auditIndexBatch: Int64) async throws {
        let ledger = try await TestLedger.make(auditIndexBatch: auditIndexBatch)
        let alice = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let bob = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: alice)
        try await ledger.submit(RegisterPatient(), by: bob)
        try await ledger.addVerifiedDoctor(doctor)
        try await ledger.submit(AddDocument(id: "a-1", category: .reports, content: try await ledger.document("a-1", owner: alice.address, uploader: alice.address)), by: alice)
        try await ledger.submit(AddDocument(id: "b-1", category: .reports, content: try await ledger.document("b-1", owner: bob.address, uploader: bob.address)), by: bob)
        ledger.clock.advance(millis: 10_000)
        let windowStart = ledger.clock.now
        try await ledger.submit(ViewRecord(record: "a-1"), by: doctor)  // denied
        try await ledger.submit(OpenBreakGlass(id: "bg-1", patient: alice.address, justification: try await ledger.document("bg-1", owner: alice.address, uploader: doctor.address)), by: doctor)
        try await ledger.submit(ViewRecord(record: "a-1"), by: doctor)  // allowed, flagged
        try await ledger.submit(ViewRecord(record: "b-1"), by: bob)
        ledger.clock.advance(millis: 10_000)
        let windowEnd = ledger.clock.now
        try await ledger.submit(ViewRecord(record: "a-1"), by: alice)

        let all = try await ledger.store.events(AuditQuery(limit: AuditQuery.maxLimit))
        #expect(all.count == 12)
        let queries: [AuditQuery] = [
            AuditQuery(record: "a-1"),
            AuditQuery(patient: alice.address),
            AuditQuery(actor: doctor.address),
            AuditQuery(action: "record.view"),
            AuditQuery(breakGlass: true),
            AuditQuery(from: windowStart, to: windowEnd),
            AuditQuery(record: "a-1", actor: doctor.address, action: "record.view"),
            AuditQuery(patient: alice.address, after: 6, limit: 2),
            {
                var othersOnly = AuditQuery(patient: alice.address)
                othersOnly.excludeActor = alice.address
                return othersOnly
            }(),
        ]
        for query in queries {
            let expected = Array(all.filter(query.matches).prefix(query.limit))
            let answered = try await ledger.store.events(query)
            #expect(answered == expected, "\(query)")
            #expect(!answered.isEmpty, "\(query)")
        }
        let flagged = try await ledger.store.events(AuditQuery(breakGlass: true))
        #expect(flagged.map(\.action) == ["breakglass.open", "record.view"])
        let window = try await ledger.store.events(AuditQuery(from: windowStart, to: windowEnd))
        #expect(window.count == 4)
    }

    @Test("an audit.events body may leave out every field, limit included")
    func minimalQueryBody() throws {
        let query = try JSONDecoder().decode(AuditQuery.self, from: Data("{}".utf8))
        #expect(query == AuditQuery())
        #expect(query.limit == 1000)
    }
}
