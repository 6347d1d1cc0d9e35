import Testing
@testable import MedLedgerCore

/// Content is bound to its purpose: a write may name only content that no record version,
/// profile or document already names, so no grant stretches over another record's content.
@Suite("content claims")
struct ContentClaimTests {
    /// The standard world with a second record (lab results) next to the prescription.
    static func worldWithLabResults() throws -> ContractWorld {
        var world = try ContractWorld.standard(tally: false)
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(
            CreateRecord(id: "rec-lab-1", patient: world.address(.patient), category: .labResults, content: cid("ferritin 12")), by: .doctor)
        try world.require(
            CreateRecord(id: "rec-visit-1", patient: world.address(.patient), category: .visitNotes, content: cid("visit notes")), by: .doctor)
        return world
    }

    @Test("a doctor granted one record cannot point it at another record's content: denied, on that record's trail, nothing changes")
    func narrowGrantCannotBorrowContent() throws {
        var world = try Self.worldWithLabResults()
        try world.require(RevokeGrant(grant: "g-doctor"), by: .patient)
        try world.require(CreateGrant(id: "g-visit", grantee: world.address(.doctor), scope: .record("rec-visit-1")), by: .patient)
        // The narrow grant opens no other record (the doctor still reads the lab result they wrote).
        #expect(!(try world.submit(ViewRecord(record: ContractWorld.prescription), by: .doctor).allowed))
        let before = world.state

        let attempt = try world.submit(UpdateRecord(record: "rec-visit-1", content: cid("ferritin 12"), baseVersion: 1), by: .doctor)

        #expect(!attempt.allowed)
        #expect(attempt.event.message.contains("already part of another record or document"))
        #expect(attempt.event.record == "rec-visit-1")
        #expect(attempt.event.patient == world.address(.patient))
        #expect(world.state == before)
        let view = try world.submit(ViewRecord(record: "rec-visit-1"), by: .doctor)
        guard case .record(_, let version) = view.answer else { Issue.record("no record answer"); return }
        #expect(version.content == cid("visit notes"))
    }

    @Test("a category grant cannot create a record naming a prescription's content")
    func categoryGrantCannotCopyAPrescription() throws {
        var world = try Self.worldWithLabResults()
        try world.require(RevokeGrant(grant: "g-doctor"), by: .patient)
        try world.require(CreateGrant(id: "g-imm", grantee: world.address(.doctor), scope: .category(.immunizations)), by: .patient)
        let before = world.state

        let attempt = try world.submit(
            CreateRecord(id: "rec-imm-1", patient: world.address(.patient), category: .immunizations, content: cid("rx-1 v1")), by: .doctor)

        #expect(!attempt.allowed)
        #expect(attempt.event.record == "rec-imm-1")
        #expect(world.state == before)
        #expect(world.state.records["rec-imm-1"] == nil)
    }

    @Test("profiles, certificates, reasons and justifications are content too, and one body cannot name a document twice")
    func everyDocumentIsClaimedOnce() throws {
        var world = try Self.worldWithLabResults()
        // The patient's own profile CID, reused as an access request's reason by a doctor.
        let profile = try #require(world.account(.patient)?.profile)
        #expect(!(try world.submit(RequestAccess(id: "r-1", patient: world.address(.patient), scope: .all, reason: profile), by: .doctor).allowed))
        #expect(!(try world.submit(OpenBreakGlass(id: "bg-1", patient: world.address(.patient), justification: cid("visit notes")), by: .doctor).allowed))
        #expect(!(try world.submit(UpdateProfile(profile: world.certificate(.doctor)), by: .doctor).allowed))
        let twice = try world.submit(
            RegisterDoctor(displayName: "Dr New", speciality: "GP", licence: "L-9", certificate: cid("one file"), profile: cid("one file")), by: .newcomer)
        #expect(!twice.allowed)
        #expect(twice.event.message.contains("already names"))
        // Fresh content passes.
        #expect(try world.submit(RequestAccess(id: "r-2", patient: world.address(.patient), scope: .all, reason: cid("fresh reason")), by: .doctor).allowed)
    }

    @Test("the content index is the same for a state rebuilt from its objects, and a replaced profile stays in use as an earlier version")
    func contentIndexIsDerivedFromObjects() throws {
        var world = try Self.worldWithLabResults()
        let oldProfile = try #require(world.account(.patient)?.profile)
        try world.require(UpdateProfile(profile: cid("profile v2")), by: .patient)
        #expect(world.state.isContentInUse(oldProfile))
        #expect(world.state.isContentInUse(cid("profile v2")))
        #expect(world.state.isContentInUse(cid("ferritin 12")))
        let rebuilt = ContractState(objects: world.state.allObjects)
        #expect(rebuilt.referencedContent == world.state.referencedContent)
        #expect(rebuilt.referencedContent.contains(world.certificate(.doctor)))
    }
}
