import Testing

@testable import MedLedgerCore

/// Which keys may become accounts or session keys, and who may open a session: a key a session
/// names never becomes an account, and only active accounts sign in.
@Suite("key and session rules")
struct KeyAndSessionRuleTests {
    /// The standard world with the patient signed in through the `newStaff` key.
    static func newStaffIsASessionKey() throws -> ContractWorld {
        var world = try ContractWorld.standard()
        try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000), by: .patient)
        return world
    }

    @Test("a pending doctor cannot open a session, and the refusal is an audit event")
    func pendingAccountCannotSignIn() throws {
        var world = try ContractWorld.standard()
        let before = world.state
        let outcome = try world.submit(OpenSession(sessionKey: world.publicKey(.newcomer), expires: world.time + 3_600_000), by: .pendingDoctor)
        #expect(!outcome.allowed)
        #expect(outcome.event.outcome == .denied)
        #expect(outcome.event.action == OpenSession.transactionType)
        #expect(outcome.event.actor == world.address(.pendingDoctor))
        #expect(outcome.event.message.contains("waiting for an administrator's verification"))
        #expect(world.events.last == outcome.event)
        #expect(world.state == before)
    }

    @Test("rejected and suspended doctors and keys without an account cannot open sessions either")
    func onlyActiveAccountsSignIn() throws {
        var world = try ContractWorld.standard()
        for persona in [Persona.rejectedDoctor, .suspendedDoctor, .newcomer] {
            let outcome = try world.submit(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 60_000), by: persona)
            #expect(!outcome.allowed, "\(persona) opened a session")
        }
        #expect(world.state.sessions.isEmpty)
    }

    @Test("account.create of a key a session names is refused and audited")
    func createAccountOfSessionKeyIsRefused() throws {
        var world = try Self.newStaffIsASessionKey()
        let before = world.state
        let outcome = try world.submit(
            CreateAccount(publicKey: world.publicKey(.newStaff), role: .auditor, displayName: "Squatted Auditor"), by: .systemAdmin)
        #expect(!outcome.allowed)
        #expect(outcome.event.message.contains("the key is in use as a session key"))
        #expect(world.state == before)
    }

    @Test("admin.add of a key a session names is refused")
    func addAdminOfSessionKeyIsRefused() throws {
        var world = try Self.newStaffIsASessionKey()
        let outcome = try world.submit(AddAdmin(publicKey: world.publicKey(.newStaff), displayName: "Captured Admin"), by: .systemAdmin)
        #expect(!outcome.allowed)
        #expect(outcome.event.message.contains("the key is in use as a session key"))
        #expect(world.account(.newStaff) == nil)
    }

    @Test("a key a session names cannot register itself as a patient or doctor")
    func registrationOfSessionKeyIsRefused() throws {
        var world = try Self.newStaffIsASessionKey()
        let patient = try world.submit(RegisterPatient(profile: cid("profile")), by: .newStaff)
        #expect(!patient.allowed)
        let doctor = try world.submit(
            RegisterDoctor(displayName: "Dr Captured", speciality: "GP", licence: "L-1", certificate: cid("certificate")), by: .newStaff)
        #expect(!doctor.allowed)
        #expect(world.account(.newStaff) == nil)
    }

    @Test("the rule holds after the session closed: the key stays bound to its session")
    func closedSessionKeyStaysTaken() throws {
        var world = try Self.newStaffIsASessionKey()
        try world.require(CloseSession(session: world.address(.newStaff)), by: .patient)
        let outcome = try world.submit(
            CreateAccount(publicKey: world.publicKey(.newStaff), role: .auditor, displayName: "Later Auditor"), by: .systemAdmin)
        #expect(!outcome.allowed)
        #expect(outcome.event.message.contains("session key"))
    }

    @Test("a session key must not be a key with an account, nor the signer's own key")
    func sessionKeyMustBeFree() throws {
        var world = try ContractWorld.standard()
        let accountKey = try world.submit(OpenSession(sessionKey: world.publicKey(.doctor), expires: world.time + 60_000), by: .patient)
        #expect(!accountKey.allowed)
        #expect(accountKey.event.message.contains("already has an account"))
        let ownKey = try world.submit(OpenSession(sessionKey: world.publicKey(.patient), expires: world.time + 60_000), by: .patient)
        #expect(!ownKey.allowed)
        try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 60_000), by: .patient)
        let reused = try world.submit(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 60_000), by: .secondPatient)
        #expect(!reused.allowed)
        #expect(reused.event.message.contains("session key"))
    }
}
