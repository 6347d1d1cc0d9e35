import Testing

@testable import MedLedgerCore

/// Sign-in sessions: a session key reads as its account, never writes, and stops at close or expiry.
/// The persona `newStaff` (a key with no account) plays the session key.
@Suite("session delegation")
struct SessionDelegationTests {
    static let rx = ContractWorld.prescription

    static func signedIn(lifetime: Int64 = 3_600_000) throws -> ContractWorld {
        var world = try ContractWorld.standard()
        try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + lifetime), by: .patient)
        return world
    }

    @Test("a session key's reads are allowed and audited as its account's")
    func readsAsTheAccount() throws {
        var world = try Self.signedIn()
        let outcome = try world.submit(ViewRecord(record: Self.rx), by: .newStaff)
        #expect(outcome.allowed)
        #expect(outcome.event.actor == world.address(.patient))
        #expect(outcome.event.actorRole == .patient)
        #expect(outcome.event.status == .viewed)
        let list = try world.submit(ListRecords(patient: world.address(.patient)), by: .newStaff)
        if case .records(let records)? = list.answer { #expect(records.map(\.id).contains(Self.rx)) } else { Issue.record("no records answer") }
    }

    @Test("a session key cannot sign a change, and the refusal is on the account's trail")
    func writesAreRefused() throws {
        var world = try Self.signedIn()
        let before = world.state
        let outcome = try world.submit(CreateGrant(id: "g-by-session", grantee: world.address(.doctor), scope: .all), by: .newStaff)
        #expect(!outcome.allowed)
        #expect(outcome.event.actor == world.address(.patient))
        #expect(outcome.event.message.contains("may only read"))
        #expect(world.state == before)
    }

    @Test("a session key cannot open further sessions")
    func noChainedSessions() throws {
        var world = try Self.signedIn()
        let outcome = try world.submit(OpenSession(sessionKey: world.publicKey(.newcomer), expires: world.time + 60_000), by: .newStaff)
        #expect(!outcome.allowed)
        #expect(world.state.sessions[world.address(.newcomer)] == nil)
    }

    @Test("after close or expiry the key reads nothing")
    func closeAndExpiry() throws {
        var closed = try Self.signedIn()
        #expect(try closed.submit(CloseSession(session: closed.address(.newStaff)), by: .newStaff).allowed)
        let afterClose = try closed.submit(ViewRecord(record: Self.rx), by: .newStaff)
        #expect(!afterClose.allowed)
        #expect(afterClose.event.message.contains("closed"))
        #expect(!(try closed.submit(CloseSession(session: closed.address(.newStaff)), by: .patient).allowed))

        var expired = try Self.signedIn(lifetime: 60_000)
        expired.advance(seconds: 61)
        let afterExpiry = try expired.submit(ListGrants(), by: .newStaff)
        #expect(!afterExpiry.allowed)
        #expect(afterExpiry.event.message.contains("expired"))
    }

    @Test("a session lasts at most 12 hours, and its key must be fresh")
    func openingRules() throws {
        var world = try ContractWorld.standard()
        let tooLong = try world.submit(
            OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + Session.maxLifetime + 1), by: .patient)
        #expect(!tooLong.allowed)
        let accountKey = try world.submit(OpenSession(sessionKey: world.publicKey(.doctor), expires: world.time + 60_000), by: .patient)
        #expect(!accountKey.allowed)
        let past = try world.submit(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time - 1), by: .patient)
        #expect(!past.allowed)
        #expect(world.state.sessions.isEmpty)
    }

    @Test("another account cannot close a session")
    func onlyTheOwnerCloses() throws {
        var world = try Self.signedIn()
        #expect(!(try world.submit(CloseSession(session: world.address(.newStaff)), by: .secondPatient).allowed))
        #expect(world.state.sessions[world.address(.newStaff)]?.closedAt == nil)
    }
}

/// The reconciliation auditors run before recording a tally.
@Suite("trail reconciliation")
struct TrailReconciliationTests {
    static func recordAndTrail() throws -> (MedicalRecord, [AuditEvent]) {
        var world = try ContractWorld.standard()
        try world.require(
            CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(UpdateRecord(record: ContractWorld.prescription, content: cid("rx v2"), baseVersion: 1), by: .doctor)
        let record = try #require(world.state.records[ContractWorld.prescription])
        let trail = world.events.filter { $0.record == record.id }
        return (record, trail)
    }

    @Test("the trail of an untouched history tallies")
    func honestTrailTallies() throws {
        let (record, trail) = try Self.recordAndTrail()
        #expect(record.versions.count == 2)
        #expect(TrailReconciliation.discrepancies(record: record, trail: trail).isEmpty)
    }

    @Test("a missing write, an extra version or a changed event is reported")
    func tamperingIsFound() throws {
        let (record, trail) = try Self.recordAndTrail()
        let withoutUpdate = trail.filter { $0.action != UpdateRecord.transactionType }
        #expect(!TrailReconciliation.discrepancies(record: record, trail: withoutUpdate).isEmpty)

        var extra = record
        extra.versions.append(RecordVersion(number: 3, content: cid("forged"), author: record.author, entry: 9_999, time: record.current.time))
        #expect(TrailReconciliation.discrepancies(record: extra, trail: trail).contains { $0.contains("Version 3") })

        var denied = trail
        if let index = denied.firstIndex(where: { $0.action == UpdateRecord.transactionType }) { denied[index].outcome = .denied }
        #expect(!TrailReconciliation.discrepancies(record: record, trail: denied).isEmpty)
    }
}
