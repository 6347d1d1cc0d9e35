import Testing

@testable import MedLedgerCore

@Suite("profile versions: every save is a new version; only the owner reads earlier ones")
struct ProfileVersionTests {
    func content(_ outcome: ContractOutcome) -> String? {
        guard case .profile(_, let content, _)? = outcome.answer else { return nil }
        return content
    }

    func account(_ outcome: ContractOutcome) -> Account? {
        guard case .profile(let account, _, _)? = outcome.answer else { return nil }
        return account
    }

    @Test("two saves after registration give versions 1 to 3, each with the entry that saved it")
    func versionsAreKept() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let second = try world.require(UpdateProfile(profile: cid("profile v2")), by: .patient)
        try world.require(UpdateProfile(profile: cid("profile v3")), by: .patient)
        let history = try #require(world.state.accounts[patient]).profileHistory
        #expect(history.map(\.number) == [1, 2, 3])
        #expect(history.map(\.content) == [cid("profile of patient"), cid("profile v2"), cid("profile v3")])
        #expect(history[1].entry == second.event.index && history[1].time == second.event.time)
        #expect(world.state.accounts[patient]?.profile == cid("profile v3"))
        // Earlier versions stay in the content index: nothing may name them again.
        #expect(world.state.isContentInUse(cid("profile v2")) && world.state.isContentInUse(cid("profile of patient")))
        let again = try world.submit(UpdateProfile(profile: cid("profile v2")), by: .patient)
        #expect(!again.allowed)
    }

    @Test("the patient reads any version of their own profile, and the read is audited as that version")
    func ownerReadsEarlier() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(UpdateProfile(profile: cid("profile v2")), by: .patient)
        let first = try world.require(ViewProfile(account: patient, version: 1), by: .patient)
        #expect(content(first) == cid("profile of patient"))
        #expect(first.event.message.contains("profile version 1") && first.event.patient == patient)
        #expect(content(try world.require(ViewProfile(account: patient, version: 2), by: .patient)) == cid("profile v2"))
        #expect(account(first)?.profileVersions?.count == 2)
        let missing = try world.submit(ViewProfile(account: patient, version: 3), by: .patient)
        #expect(!missing.allowed && missing.event.message.contains("no version 3"))
    }

    @Test("a doctor in the patient's care reads the current version only, and never sees the history")
    func othersReadCurrentOnly() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(UpdateProfile(profile: cid("profile v2")), by: .patient)
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        let earlier = try world.submit(ViewProfile(account: patient, version: 1), by: .doctor)
        #expect(!earlier.allowed && earlier.event.message.contains("only the account's owner reads earlier versions"))
        let current = try world.require(ViewProfile(account: patient, version: 2), by: .doctor)
        #expect(content(current) == cid("profile v2"))
        #expect(account(current)?.profileVersions == nil)
        // Without a grant or care, not even the current version.
        #expect(!(try world.submit(ViewProfile(account: patient, version: 2), by: .management)).allowed)
    }

    @Test("a version names a profile, never a certificate, and starts at 1")
    func versionShape() throws {
        let world = try ContractWorld.standard(records: false)
        let doctor = world.address(.doctor)
        #expect(throws: (any Error).self) { try world.transaction(ViewProfile(account: doctor, document: .certificate, version: 1), by: .doctor) }
        #expect(throws: (any Error).self) { try world.transaction(ViewProfile(account: doctor, version: 0), by: .doctor) }
    }
}
