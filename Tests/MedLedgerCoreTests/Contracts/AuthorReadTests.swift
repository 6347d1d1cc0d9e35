import Testing

@testable import MedLedgerCore

/// A doctor reads the version they wrote without a grant — that version only, never another
/// version, and not once the record was deleted or the patient erased.
@Suite("author reads")
struct AuthorReadTests {
    /// The standard world without records, in which the patient added a document, granted the
    /// doctor everything, the doctor wrote version 2 of the document and a visit note of their own,
    /// and the patient then revoked the grant.
    static func revokedAfterWriting() throws -> ContractWorld {
        var world = try ContractWorld.standard(records: false)
        try world.require(AddDocument(id: "doc-scan", category: .medicalHistory, content: cid("scan")), by: .patient)
        try world.require(CreateGrant(id: "g-all", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(UpdateRecord(record: "doc-scan", content: cid("scan annotated"), baseVersion: 1), by: .doctor)
        try world.require(
            CreateRecord(id: "rec-note", patient: world.address(.patient), category: .visitNotes, content: cid("note")), by: .doctor)
        try world.require(RevokeGrant(grant: "g-all"), by: .patient)
        return world
    }

    @Test("without a grant the doctor still reads the note they wrote and the current version they wrote")
    func authorReadsOwnVersions() throws {
        var world = try Self.revokedAfterWriting()
        #expect(try world.submit(ViewRecord(record: "rec-note"), by: .doctor).allowed)
        #expect(try world.submit(ViewRecord(record: "rec-note", version: 1), by: .doctor).allowed)
        #expect(try world.submit(ViewRecord(record: "doc-scan"), by: .doctor).allowed)
        #expect(try world.submit(DownloadRecord(record: "doc-scan", version: 2), by: .doctor).allowed)
    }

    @Test("the author's read does not reach a version somebody else wrote")
    func otherVersionsStayClosed() throws {
        var world = try Self.revokedAfterWriting()
        let outcome = try world.submit(ViewRecord(record: "doc-scan", version: 1), by: .doctor)
        #expect(!outcome.allowed)
        #expect(outcome.event.outcome == .denied)
        #expect(!(try world.submit(ViewRecord(record: "doc-scan", version: 3), by: .doctor).allowed))
    }

    @Test("another doctor, hospital management and a pharmacy get nothing from somebody else's authorship")
    func othersGetNothing() throws {
        var world = try Self.revokedAfterWriting()
        for persona in [Persona.management, .pharmacist, .auditor] {
            #expect(!(try world.submit(ViewRecord(record: "rec-note"), by: persona).allowed))
        }
    }

    @Test("once the record is deleted its author no longer reads it")
    func deletionEndsAuthorRead() throws {
        var world = try Self.revokedAfterWriting()
        try world.require(DeleteRecord(record: "doc-scan"), by: .patient)
        #expect(!(try world.submit(ViewRecord(record: "doc-scan", version: 2), by: .doctor).allowed))
    }

    @Test("once the patient's erasure is confirmed the author reads nothing")
    func erasureEndsAuthorRead() throws {
        var world = try Self.revokedAfterWriting()
        let patient = world.address(.patient)
        try world.require(RequestErasure(patient: patient, reason: cid("forget me")), by: .patient)
        world.advance(seconds: 3_600)
        try world.require(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(!(try world.submit(ViewRecord(record: "rec-note"), by: .doctor).allowed))
    }
}
