import Crypto
import Testing

@testable import MedLedgerCore

/// The directory search, the hospital's patient list, the batched names read and the doctor's list
/// of the records they wrote: each rule as the contracts apply it.
@Suite("directory, hospital patients and names")
struct DirectoryTests {
    private func found(_ outcome: ContractOutcome) -> [DirectoryEntry]? {
        guard case .directory(let entries)? = outcome.answer else { return nil }
        return entries
    }

    @Test("a patient finds an auditor by part of their name, case-insensitively, with their public facts")
    func findsAuditorByName() throws {
        var world = try ContractWorld.standard()
        let entries = try #require(found(try world.require(SearchDirectory(text: "aVeRy"), by: .patient)))
        #expect(entries.map(\.address) == [world.address(.auditor)])
        #expect(entries.first?.role == .auditor)
        #expect(entries.first?.displayName == "Avery Auditor")
    }

    @Test("an organization's name finds its active staff, and the role narrows the answer")
    func findsByOrganization() throws {
        var world = try ContractWorld.standard()
        let all = try #require(found(try world.require(SearchDirectory(text: "st mary"), by: .patient)))
        #expect(Set(all.map(\.address)) == [world.address(.doctor), world.address(.management)])
        #expect(all.allSatisfy { $0.organizationName == "St Mary's Hospital" })
        let managers = try #require(found(try world.require(SearchDirectory(text: "st mary", role: .hospitalManagement), by: .patient)))
        #expect(managers.map(\.address) == [world.address(.management)])
        let pharmacies = try #require(found(try world.require(SearchDirectory(text: "pharmacy"), by: .doctor)))
        #expect(pharmacies.map(\.address) == [world.address(.pharmacist)])
    }

    @Test("patients, administrators and doctors not verified or suspended are never listed")
    func onlyVerifiedProfessionals() throws {
        var world = try ContractWorld.standard()
        let doctors = try #require(found(try world.require(SearchDirectory(text: "Dr "), by: .patient)))
        #expect(doctors.map(\.address) == [world.address(.doctor)])
        #expect(try #require(found(try world.require(SearchDirectory(text: "admin"), by: .patient))).isEmpty)
    }

    @Test("the text is bounded and the role must be one a patient can grant")
    func textIsBounded() throws {
        let world = try ContractWorld.standard()
        for body in [SearchDirectory(text: "a"), SearchDirectory(text: "  a "), SearchDirectory(text: String(repeating: "x", count: 65)),
                     SearchDirectory(text: "ab\u{7}"), SearchDirectory(text: "ab", role: .patient), SearchDirectory(text: "ab", role: .admin)] {
            #expect(throws: (any Error).self) { _ = try world.transaction(body, by: .patient) }
        }
    }

    @Test("the answer lists at most the result limit")
    func answerIsBounded() throws {
        var world = try ContractWorld.standard()
        for index in 0..<(SearchDirectory.resultLimit + 5) {
            let key = P256.Signing.PrivateKey().publicKey
            try world.require(CreateAccount(publicKey: key.payloadKey, role: .auditor, displayName: "Bulk Auditor \(index)"), by: .systemAdmin)
        }
        let entries = try #require(found(try world.require(SearchDirectory(text: "bulk"), by: .patient)))
        #expect(entries.count == SearchDirectory.resultLimit)
    }

    @Test("a key with no account may not search")
    func noAccountRefused() throws {
        var world = try ContractWorld.standard()
        #expect(!(try world.submit(SearchDirectory(text: "avery"), by: .newcomer).allowed))
    }

    // MARK: Hospital patients

    private func hospitalPatients(_ outcome: ContractOutcome) -> [HospitalPatient]? {
        guard case .hospitalPatients(let rows)? = outcome.answer else { return nil }
        return rows
    }

    @Test("hospital management lists patients who granted the hospital's accounts or booked its doctors")
    func hospitalPatientList() throws {
        var world = try ContractWorld.standard(records: false)
        #expect(try #require(hospitalPatients(try world.require(ListHospitalPatients(), by: .management))).isEmpty)
        try world.require(
            CreateGrant(id: "g-mgmt", grantee: world.address(.management), scope: .category(.reports)), by: .patient)
        try world.require(BookAppointment(id: "appt-2", doctor: world.address(.doctor), time: world.time + 7_200_000), by: .secondPatient)
        let rows = try #require(hospitalPatients(try world.require(ListHospitalPatients(), by: .management)))
        #expect(Set(rows.map(\.patient)) == [world.address(.patient), world.address(.secondPatient)])
        let first = try #require(rows.first { $0.patient == world.address(.patient) })
        #expect(first.grants == 1 && first.appointments == 0)
        let second = try #require(rows.first { $0.patient == world.address(.secondPatient) })
        #expect(second.appointments == 1 && second.latestAppointment != nil)
    }

    @Test("a revoked grant no longer lists the patient")
    func revokedGrantDropsPatient() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(CreateGrant(id: "g-mgmt", grantee: world.address(.management), scope: .category(.reports)), by: .patient)
        try world.require(RevokeGrant(grant: "g-mgmt"), by: .patient)
        #expect(try #require(hospitalPatients(try world.require(ListHospitalPatients(), by: .management))).isEmpty)
    }

    @Test("only hospital management may list a hospital's patients")
    func otherRolesRefused() throws {
        var world = try ContractWorld.standard()
        for persona in [Persona.doctor, .pharmacist, .auditor, .patient, .hospitalAdmin, .systemAdmin, .newcomer] {
            #expect(!(try world.submit(ListHospitalPatients(), by: persona).allowed), "\(persona)")
        }
    }

    // MARK: Names

    private func names(_ outcome: ContractOutcome) -> [PatientName]? {
        guard case .names(let names)? = outcome.answer else { return nil }
        return names
    }

    @Test("a names read answers only the patients whose profile the reader may read, with their disclosure")
    func namesFollowProfileRule() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(CreateGrant(id: "g-rx", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        let body = ViewNames(accounts: [world.address(.patient), world.address(.secondPatient), world.address(.doctor)])
        let shown = try #require(names(try world.require(body, by: .pharmacist)))
        #expect(shown.map(\.account.address) == [world.address(.patient)])
        #expect(shown.first?.disclosure == .dispensing)
        // The same decision as profile.view, for each patient.
        #expect(try world.submit(ViewProfile(account: world.address(.patient)), by: .pharmacist).allowed)
        #expect(!(try world.submit(ViewProfile(account: world.address(.secondPatient)), by: .pharmacist).allowed))
    }

    @Test("a doctor with an appointment sees the patient's name; an event names a single patient")
    func doctorInCareSeesName() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(BookAppointment(id: "appt-3", doctor: world.address(.doctor), time: world.time + 3_600_000), by: .patient)
        try world.require(AcceptAppointment(appointment: "appt-3"), by: .doctor)
        let outcome = try world.require(ViewNames(accounts: [world.address(.patient)]), by: .doctor)
        #expect(try #require(names(outcome)).first?.disclosure == .full)
        #expect(outcome.event.patient == world.address(.patient))
    }

    @Test("administrators never read names; the list is bounded and has no duplicates")
    func namesBounds() throws {
        var world = try ContractWorld.standard()
        #expect(!(try world.submit(ViewNames(accounts: [world.address(.patient)]), by: .systemAdmin).allowed))
        let patient = world.address(.patient)
        #expect(throws: (any Error).self) { _ = try world.transaction(ViewNames(accounts: []), by: .doctor) }
        #expect(throws: (any Error).self) { _ = try world.transaction(ViewNames(accounts: [patient, patient]), by: .doctor) }
        let many = (0...ViewNames.accountLimit).map { _ in P256.Signing.PrivateKey().publicKey.address }
        #expect(throws: (any Error).self) { _ = try world.transaction(ViewNames(accounts: many), by: .doctor) }
    }

    // MARK: The doctor's own records

    @Test("without a grant a doctor lists the records they wrote, and only those")
    func doctorListsOwnRecords() throws {
        var world = try AuthorReadTests.revokedAfterWriting()
        try world.require(AddDocument(id: "doc-other", category: .labResults, content: cid("other")), by: .patient)
        let outcome = try world.require(ListRecords(patient: world.address(.patient)), by: .doctor)
        guard case .records(let records)? = outcome.answer else { Issue.record("no records"); return }
        #expect(Set(records.map(\.id)) == ["rec-note", "doc-scan"])
    }

    @Test("a doctor who wrote nothing and holds no grant is still refused the list")
    func doctorWithoutAuthorshipRefused() throws {
        var world = try ContractWorld.standard(records: false)
        try world.require(AddDocument(id: "doc-x", category: .labResults, content: cid("x")), by: .patient)
        #expect(!(try world.submit(ListRecords(patient: world.address(.patient)), by: .doctor).allowed))
    }

    @Test("the record page's change check is the contracts' own rule: an author without a grant may not change")
    func decideMatchesRule() throws {
        let world = try AuthorReadTests.revokedAfterWriting()
        let doctor = world.address(.doctor)
        let key = world.signer(.doctor).key.publicKey
        let update = UpdateRecord(record: "rec-note", content: cid("new"), baseVersion: 1)
        #expect(!ContractEngine.decide(update, as: doctor, signerKey: key, index: 1_000, time: world.time, on: world.state).allowed)
        #expect(!ContractEngine.decide(DeleteRecord(record: "rec-note"), as: doctor, signerKey: key, index: 1_000, time: world.time, on: world.state).allowed)
        let patient = world.address(.patient)
        let patientKey = world.signer(.patient).key.publicKey
        #expect(ContractEngine.decide(DeleteRecord(record: "doc-scan"), as: patient, signerKey: patientKey, index: 1_000, time: world.time, on: world.state).allowed)
    }
}
