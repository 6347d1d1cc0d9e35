import Testing

@testable import MedLedgerCore

@Suite("licence changes: held for an administrator while the doctor works on the verified facts")
struct LicenceChangeTests {
    static let otherHospital = "riverside"

    func world() throws -> ContractWorld {
        var world = try ContractWorld.standard(records: false)
        try world.require(CreateOrganization(id: Self.otherHospital, name: "Riverside Hospital", kind: .hospital), by: .systemAdmin)
        return world
    }

    @Test("a change is held: the verified facts stay in force and other users see only those")
    func heldUntilApproved() throws {
        var world = try world()
        let doctor = world.address(.doctor)
        let asked = try world.require(ChangeLicence(licence: "GMC-NEW", certificate: cid("new certificate")), by: .doctor)
        let account = try #require(world.state.accounts[doctor])
        #expect(account.licence == "GMC-doctor" && account.certificate == world.certificate(.doctor) && account.status == .active)
        #expect(account.licenceChange == LicenceChange(
            licence: "GMC-NEW", certificate: cid("new certificate"), organization: nil, entry: asked.event.index, time: asked.event.time))
        // Still practising: reads and writes that need a verified doctor go on.
        #expect(try world.submit(ListAppointments(), by: .doctor).allowed)
        // Others listing doctors see the verified facts only.
        guard case .accounts(let listed)? = try world.require(ListAccounts(role: .doctor, status: .active), by: .patient).answer else {
            Issue.record("no account list")
            return
        }
        #expect(listed.first { $0.address == doctor }?.licenceChange == nil)
        // The administrator's queue shows it.
        guard case .accounts(let queue)? = try world.require(ListAccounts(role: .doctor, licenceChange: true), by: .hospitalAdmin).answer else {
            Issue.record("no queue")
            return
        }
        #expect(queue.map(\.address) == [doctor])
        #expect(!(try world.submit(ListAccounts(role: .doctor, status: .active, licenceChange: true), by: .patient)).allowed)
    }

    @Test("approving the change named by its entry applies licence, certificate and hospital")
    func approve() throws {
        var world = try world()
        let doctor = world.address(.doctor)
        let asked = try world.require(
            ChangeLicence(licence: "GMC-NEW", certificate: cid("new certificate"), organization: Self.otherHospital), by: .doctor)
        // The hospital the doctor leaves does not decide a move to another one; a system administrator does.
        let wrongAdmin = try world.submit(
            VerifyDoctor(doctor: doctor, decision: .approve, certificate: cid("new certificate"), change: asked.event.index), by: .hospitalAdmin)
        #expect(!wrongAdmin.allowed)
        try world.require(
            VerifyDoctor(doctor: doctor, decision: .approve, certificate: cid("new certificate"), change: asked.event.index), by: .systemAdmin)
        let account = try #require(world.state.accounts[doctor])
        #expect(account.licence == "GMC-NEW" && account.certificate == cid("new certificate") && account.organization == Self.otherHospital)
        #expect(account.licenceChange == nil && account.status == .active)
    }

    @Test("rejecting drops the change and keeps the doctor verified on the old facts")
    func reject() throws {
        var world = try world()
        let doctor = world.address(.doctor)
        let asked = try world.require(ChangeLicence(licence: "GMC-NEW", organization: ContractWorld.hospital), by: .doctor)
        #expect(world.state.accounts[doctor]?.licenceChange?.certificate == world.certificate(.doctor))
        try world.require(
            VerifyDoctor(doctor: doctor, decision: .reject, certificate: world.certificate(.doctor), change: asked.event.index), by: .hospitalAdmin)
        let account = try #require(world.state.accounts[doctor])
        #expect(account.licence == "GMC-doctor" && account.licenceChange == nil && account.status == .active)
    }

    @Test("a decision must name the change waiting now and its certificate")
    func decisionBinding() throws {
        var world = try world()
        let doctor = world.address(.doctor)
        let first = try world.require(ChangeLicence(licence: "GMC-FIRST", organization: ContractWorld.hospital), by: .doctor)
        let second = try world.require(
            ChangeLicence(licence: "GMC-SECOND", certificate: cid("second certificate"), organization: ContractWorld.hospital), by: .doctor)
        let stale = try world.submit(
            VerifyDoctor(doctor: doctor, decision: .approve, certificate: world.certificate(.doctor), change: first.event.index), by: .hospitalAdmin)
        #expect(!stale.allowed && stale.event.message.contains("no such licence change"))
        let wrongCertificate = try world.submit(
            VerifyDoctor(doctor: doctor, decision: .approve, certificate: world.certificate(.doctor), change: second.event.index), by: .hospitalAdmin)
        #expect(!wrongCertificate.allowed)
        #expect(world.state.accounts[doctor]?.licence == "GMC-doctor")
    }

    @Test("only an active doctor changes licence facts, and only to real changes at a real hospital")
    func whoMayChange() throws {
        var world = try world()
        #expect(!(try world.submit(ChangeLicence(licence: "GMC-doctor", organization: ContractWorld.hospital), by: .doctor)).allowed)
        // Leaving the hospital out means none: a change, which only a system administrator decides.
        let leaving = try world.require(ChangeLicence(licence: "GMC-doctor"), by: .doctor)
        #expect(!(try world.submit(
            VerifyDoctor(doctor: world.address(.doctor), decision: .approve, certificate: world.certificate(.doctor), change: leaving.event.index),
            by: .hospitalAdmin)).allowed)
        #expect(!(try world.submit(ChangeLicence(licence: "GMC-X", organization: ContractWorld.pharmacy), by: .doctor)).allowed)
        for persona in [Persona.pendingDoctor, .rejectedDoctor, .suspendedDoctor, .patient, .pharmacist, .hospitalAdmin] {
            #expect(!(try world.submit(ChangeLicence(licence: "GMC-X"), by: persona)).allowed, "\(persona)")
        }
    }

    @Test("the doctor and the deciding administrators read the submitted certificate; other users do not")
    func pendingCertificate() throws {
        var world = try world()
        let doctor = world.address(.doctor)
        try world.require(ChangeLicence(licence: "GMC-NEW", certificate: cid("new certificate")), by: .doctor)
        for reader in [Persona.doctor, .hospitalAdmin, .systemAdmin] {
            let outcome = try world.require(ViewProfile(account: doctor, document: .pendingCertificate), by: reader)
            guard case .profile(_, let content, _)? = outcome.answer else {
                Issue.record("no answer")
                continue
            }
            #expect(content == cid("new certificate"))
        }
        #expect(!(try world.submit(ViewProfile(account: doctor, document: .pendingCertificate), by: .patient)).allowed)
    }
}
