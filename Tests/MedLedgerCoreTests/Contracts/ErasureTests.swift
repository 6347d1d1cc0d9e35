import Foundation
import Testing

@testable import MedLedgerCore

private let rx = ContractWorld.prescription

extension ContractWorld {
    /// The standard world in which the patient shared widely before asking to be erased: the doctor
    /// holds a grant to everything and an open and an accepted appointment, the pharmacist and the
    /// management hold prescription grants, the auditor a grant to everything, the pharmacist has a
    /// pending access request, and the patient added a document of their own. With `erase`, the
    /// patient then asks for erasure and the system administrator confirms it.
    static func sharedWidely(erase: Bool) throws -> ContractWorld {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let doctor = world.address(.doctor)
        try world.require(CreateGrant(id: "g-doctor", grantee: doctor, scope: .all), by: .patient)
        try world.require(CreateGrant(id: "g-pharmacy", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        try world.require(CreateGrant(id: "g-mgmt", grantee: world.address(.management), scope: .category(.prescriptions)), by: .patient)
        try world.require(CreateGrant(id: "g-audit", grantee: world.address(.auditor), scope: .all), by: .patient)
        try world.require(BookAppointment(id: "appt-open", doctor: doctor, time: world.time + 86_400_000), by: .patient)
        try world.require(BookAppointment(id: "appt-held", doctor: doctor, time: world.time + 86_400_000), by: .patient)
        try world.require(AcceptAppointment(appointment: "appt-held"), by: .doctor)
        try world.require(RequestAccess(id: "req-pharmacy", patient: patient, scope: .category(.prescriptions), reason: cid("refill")), by: .pharmacist)
        try world.require(AddDocument(id: "doc-own", category: .medicalHistory, content: cid("old scan")), by: .patient)
        if erase {
            world.advance(seconds: 60)
            try world.require(RequestErasure(patient: patient, reason: cid("please forget me")), by: .patient)
            world.advance(seconds: 3_600)
            try world.require(ConfirmErasure(patient: patient), by: .systemAdmin)
            world.advance(seconds: 60)
        }
        return world
    }
}

/// One thing somebody tries after the patient was erased, who would have been allowed before.
struct ErasedAttempt: Sendable, CustomTestStringConvertible {
    let name: String
    let persona: Persona
    /// False for the decisions on the erasure itself, which have no twin before it.
    let allowedBefore: Bool
    let body: @Sendable (ContractWorld) -> any ContractAction

    init(
        _ name: String, by persona: Persona, allowedBefore: Bool = true, _ body: @escaping @Sendable (ContractWorld) -> any ContractAction
    ) {
        self.name = name
        self.persona = persona
        self.allowedBefore = allowedBefore
        self.body = body
    }

    var testDescription: String { "\(name) by \(persona.rawValue)" }

    /// Every read of the patient's content and every write about them, each by an account the
    /// ``ContractWorld/sharedWidely(erase:)`` history would otherwise let do it.
    static let all: [ErasedAttempt] = [
        // Reads of content
        ErasedAttempt("record.view", by: .doctor) { _ in ViewRecord(record: rx) },
        ErasedAttempt("record.view of an old version", by: .doctor) { _ in ViewRecord(record: rx, version: 1) },
        ErasedAttempt("record.copy", by: .doctor) { _ in CopyRecord(record: rx) },
        ErasedAttempt("record.print", by: .pharmacist) { _ in PrintRecord(record: rx) },
        ErasedAttempt("record.download", by: .management) { _ in DownloadRecord(record: rx) },
        ErasedAttempt("record.view after a failed tally", by: .reviewer) { _ in ViewRecord(record: rx) },
        ErasedAttempt("record.view of the patient's own document", by: .patient) { _ in ViewRecord(record: "doc-own") },
        ErasedAttempt("records.list", by: .doctor) { world in ListRecords(patient: world.address(.patient)) },
        ErasedAttempt("records.list", by: .auditor) { world in ListRecords(patient: world.address(.patient)) },
        ErasedAttempt("records.list of their own", by: .patient) { world in ListRecords(patient: world.address(.patient)) },
        ErasedAttempt("profile.view", by: .doctor) { world in ViewProfile(account: world.address(.patient)) },
        ErasedAttempt("profile.view", by: .pharmacist) { world in ViewProfile(account: world.address(.patient)) },
        ErasedAttempt("profile.view of their own", by: .patient) { world in ViewProfile(account: world.address(.patient)) },
        // Writes about the patient by others
        ErasedAttempt("record.create", by: .doctor) { world in
            CreateRecord(id: "note-late", patient: world.address(.patient), category: .visitNotes, content: cid("late note"))
        },
        ErasedAttempt("record.update", by: .doctor) { _ in UpdateRecord(record: rx, content: cid("rx-1 v2"), baseVersion: 1) },
        ErasedAttempt("record.delete", by: .doctor) { _ in DeleteRecord(record: rx) },
        ErasedAttempt("prescription.dispense", by: .pharmacist) { _ in DispensePrescription(record: rx) },
        ErasedAttempt("access.request", by: .management) { world in
            RequestAccess(id: "req-late", patient: world.address(.patient), scope: .category(.reports), reason: cid("audit"))
        },
        ErasedAttempt("breakglass.open", by: .doctor) { world in
            OpenBreakGlass(id: "bg-late", patient: world.address(.patient), justification: cid("collapsed"))
        },
        ErasedAttempt("appointment.accept", by: .doctor) { _ in AcceptAppointment(appointment: "appt-open") },
        ErasedAttempt("appointment.decline", by: .doctor) { _ in DeclineAppointment(appointment: "appt-open") },
        ErasedAttempt("appointment.complete", by: .doctor) { _ in CompleteAppointment(appointment: "appt-held") },
        ErasedAttempt("audit.tally", by: .node) { world in
            RecordTally(record: rx, auditor: world.address(.auditor), result: .tallies, checkpointSize: 1, discrepancies: 0)
        },
        ErasedAttempt("audit.signoff", by: .reviewer) { _ in SignOffTrail(record: rx, decision: .flag) },
        // The patient's own key does nothing any more
        ErasedAttempt("record.add", by: .patient) { _ in AddDocument(id: "doc-late", category: .reports, content: cid("late")) },
        ErasedAttempt("grant.create", by: .patient) { world in CreateGrant(id: "g-late", grantee: world.address(.doctor), scope: .all) },
        ErasedAttempt("grant.revoke", by: .patient) { _ in RevokeGrant(grant: "g-doctor") },
        ErasedAttempt("access.approve", by: .patient) { _ in ApproveAccessRequest(request: "req-pharmacy", grant: "g-late") },
        ErasedAttempt("appointment.book", by: .patient) { world in
            BookAppointment(id: "appt-late", doctor: world.address(.doctor), time: world.time + 86_400_000)
        },
        ErasedAttempt("appointment.cancel", by: .patient) { _ in CancelAppointment(appointment: "appt-open") },
        ErasedAttempt("profile.update", by: .patient) { _ in UpdateProfile(profile: cid("new profile")) },
        ErasedAttempt("erasure.request again", by: .patient, allowedBefore: false) { world in RequestErasure(patient: world.address(.patient)) },
        ErasedAttempt("erasure.withdraw", by: .patient, allowedBefore: false) { _ in WithdrawErasure() },
        ErasedAttempt("grants.list", by: .patient) { _ in ListGrants() },
        ErasedAttempt("audit.events about themselves", by: .patient) { _ in QueryEvents(query: AuditQuery()) },
        ErasedAttempt("session.open", by: .patient) { world in
            OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000)
        },
        // The decision cannot be taken twice
        ErasedAttempt("erasure.confirm again", by: .systemAdmin, allowedBefore: false) { world in ConfirmErasure(patient: world.address(.patient)) },
        ErasedAttempt("erasure.decline after the confirmation", by: .systemAdmin, allowedBefore: false) { world in DeclineErasure(patient: world.address(.patient)) },
    ]
}

@Suite("right to erasure")
struct ErasureTests {
    @Test("a confirmed erasure names the destruction of the patient's content as its effect; a refused one, and the request, name none")
    func confirmationCarriesTheDestroyEffect() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let early = try world.submit(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(!early.allowed)
        #expect(early.effects.isEmpty)
        let request = try world.require(RequestErasure(patient: patient, reason: cid("please forget me")), by: .patient)
        #expect(request.effects.isEmpty)
        let confirmed = try world.require(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(confirmed.effects == [.destroyContent(of: patient)])
    }

    @Test("request, list, confirm: the account is erased with who confirmed, the entry and the time, and the node is told")
    func wholeFlow() throws {
        var world = try ContractWorld.sharedWidely(erase: false)
        let patient = world.address(.patient)
        let admin = world.address(.systemAdmin)
        #expect(world.state.erasedPatients.isEmpty)

        // The patient asks, with a reason kept encrypted off the ledger.
        let request = try world.require(RequestErasure(patient: patient, reason: cid("please forget me")), by: .patient)
        #expect(request.event.status == .erasureRequested && request.event.action == "erasure.request")
        #expect(request.event.patient == patient && request.event.actor == patient)
        #expect(request.event.message.contains(patient.rawValue))
        let pending = try #require(world.account(.patient)?.erasure)
        #expect(pending.status == .pending && pending.reason == cid("please forget me"))
        #expect(pending.entry == request.event.index && pending.time == request.event.time && pending.decision == nil)
        #expect(world.account(.patient)?.status == .active)

        // Nothing is erased yet: the doctor still reads.
        #expect(try world.submit(ViewRecord(record: rx), by: .doctor).allowed)

        // The administration page lists it; the patient's page shows it.
        #expect(accounts(try world.require(ListErasureRequests(status: .pending), by: .systemAdmin)) == [patient])
        #expect(accounts(try world.require(ListErasureRequests(), by: .systemAdmin)) == [patient])
        #expect(accounts(try world.require(ListErasureRequests(), by: .patient)) == [patient])
        #expect(accounts(try world.require(ListErasureRequests(), by: .secondPatient)) == [])

        // A system administrator confirms.
        world.advance(seconds: 3_600)
        let confirm = try world.require(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(confirm.event.status == .erased && confirm.event.action == "erasure.confirm")
        #expect(confirm.event.patient == patient && confirm.event.actor == admin && confirm.event.actorRole == .admin)
        #expect(confirm.event.message.contains(patient.rawValue))
        let erased = try #require(world.account(.patient))
        #expect(erased.status == .erased)
        #expect(erased.erasure?.status == .erased)
        #expect(erased.erasure?.decision == ErasureDecision(by: admin, entry: confirm.event.index, time: confirm.event.time))
        #expect(erased.erasure?.entry == request.event.index)
        #expect(world.state.erasedPatients == [patient])

        // The pending list is empty again; the erased one is still listed for the record.
        #expect(accounts(try world.require(ListErasureRequests(status: .pending), by: .systemAdmin)) == [])
        #expect(accounts(try world.require(ListErasureRequests(status: .erased), by: .systemAdmin)) == [patient])

        // Every later read says erased, naming the confirming entry.
        let view = try world.submit(ViewRecord(record: rx), by: .doctor)
        #expect(!view.allowed)
        #expect(view.event.message.contains("erased at entry \(confirm.event.index)"))
        #expect(view.event.patient == patient && view.event.record == rx)

        // The second patient is untouched.
        #expect(try world.submit(AddDocument(id: "doc-second", category: .reports, content: cid("second")), by: .secondPatient).allowed)
        #expect(world.state.erasedPatients == [patient])
    }

    @Test("only an active patient asks, and only for their own records; the attempt is on the named patient's trail")
    func onlyThePatientRequests() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        for persona in [Persona.doctor, .systemAdmin, .hospitalAdmin, .auditor, .pharmacist, .pendingDoctor, .newcomer] {
            let before = world.state
            let attempt = try world.submit(RequestErasure(patient: patient), by: persona)
            #expect(!attempt.allowed, "\(persona)")
            #expect(attempt.event.patient == patient, "\(persona)")
            let unchanged = world.state == before
            #expect(unchanged, "\(persona)")
        }
        #expect(world.account(.patient)?.erasure == nil)

        // A patient cannot ask for someone else's records to be erased.
        let other = try world.submit(RequestErasure(patient: world.address(.secondPatient)), by: .patient)
        #expect(!other.allowed)
        #expect(other.event.message.contains("only their own records"))
        #expect(other.event.patient == world.address(.secondPatient))
        #expect(world.account(.secondPatient)?.erasure == nil)
        #expect(world.account(.patient)?.erasure == nil)

        // A suspended patient cannot ask either.
        try world.require(SuspendAccount(account: world.address(.secondPatient)), by: .systemAdmin)
        let suspended = try world.submit(RequestErasure(patient: world.address(.secondPatient)), by: .secondPatient)
        #expect(!suspended.allowed && suspended.event.message.contains("suspended"))
    }

    @Test("a second request while one is pending is denied")
    func doubleRequest() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let first = try world.require(RequestErasure(patient: patient), by: .patient)
        let before = world.state
        let second = try world.submit(RequestErasure(patient: patient, reason: cid("again")), by: .patient)
        #expect(!second.allowed)
        #expect(second.event.message.contains("already pending"))
        let unchanged = world.state == before
        #expect(unchanged)
        #expect(world.account(.patient)?.erasure?.entry == first.event.index)
    }

    @Test("only a system administrator confirms or declines, and only a pending request")
    func onlySystemAdminDecides() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)

        // Nothing to confirm yet.
        let early = try world.submit(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(!early.allowed && early.event.message.contains("no pending erasure request"))
        #expect(early.event.patient == patient)
        #expect(!(try world.submit(DeclineErasure(patient: patient), by: .systemAdmin).allowed))
        // Only patients have erasure requests.
        let notPatient = try world.submit(ConfirmErasure(patient: world.address(.doctor)), by: .systemAdmin)
        #expect(!notPatient.allowed && notPatient.event.message.contains("no such patient"))

        try world.require(RequestErasure(patient: patient), by: .patient)
        // An organization's administrator does not administer patients: their list is empty.
        #expect(accounts(try world.require(ListErasureRequests(status: .pending), by: .hospitalAdmin)) == [])
        let before = world.state
        let organizationAdmin = try world.submit(ConfirmErasure(patient: patient), by: .hospitalAdmin)
        #expect(!organizationAdmin.allowed)
        #expect(organizationAdmin.event.message.contains("only a system administrator"))
        #expect(organizationAdmin.event.patient == patient)
        let organizationDecline = try world.submit(DeclineErasure(patient: patient), by: .hospitalAdmin)
        #expect(!organizationDecline.allowed)
        // The patient cannot confirm their own request, nor can anyone else.
        for persona in [Persona.patient, .secondPatient, .doctor, .auditor, .newcomer] {
            #expect(!(try world.submit(ConfirmErasure(patient: patient), by: persona).allowed), "\(persona)")
        }
        // A request pending for one patient confirms nothing for another.
        #expect(!(try world.submit(ConfirmErasure(patient: world.address(.secondPatient)), by: .systemAdmin).allowed))
        let unchanged = world.state == before
        #expect(unchanged)
        #expect(world.state.erasedPatients.isEmpty)
    }

    @Test("declining keeps the decision on the account and the records readable; the patient may ask again and withdraw")
    func declineAndWithdraw() throws {
        var world = try ContractWorld.sharedWidely(erase: false)
        let patient = world.address(.patient)
        let admin = world.address(.systemAdmin)
        try world.require(RequestErasure(patient: patient), by: .patient)

        let decline = try world.require(DeclineErasure(patient: patient), by: .systemAdmin)
        #expect(decline.event.status == .erasureDeclined && decline.event.patient == patient)
        let declined = try #require(world.account(.patient))
        #expect(declined.status == .active)
        #expect(declined.erasure?.status == .declined)
        #expect(declined.erasure?.decision == ErasureDecision(by: admin, entry: decline.event.index, time: decline.event.time))
        #expect(try world.submit(ViewRecord(record: rx), by: .doctor).allowed)
        #expect(accounts(try world.require(ListErasureRequests(status: .pending), by: .systemAdmin)) == [])
        #expect(accounts(try world.require(ListErasureRequests(status: .declined), by: .systemAdmin)) == [patient])
        // The decision is taken: nothing is pending to confirm.
        #expect(!(try world.submit(ConfirmErasure(patient: patient), by: .systemAdmin).allowed))
        #expect(!(try world.submit(WithdrawErasure(), by: .patient).allowed))

        // Asked again, then withdrawn by the patient.
        let again = try world.require(RequestErasure(patient: patient), by: .patient)
        #expect(world.account(.patient)?.erasure?.status == .pending)
        #expect(world.account(.patient)?.erasure?.entry == again.event.index)
        // Another patient has nothing to withdraw.
        let stranger = try world.submit(WithdrawErasure(), by: .secondPatient)
        #expect(!stranger.allowed && stranger.event.message.contains("no pending erasure request"))
        #expect(!(try world.submit(WithdrawErasure(), by: .doctor).allowed))

        let withdraw = try world.require(WithdrawErasure(), by: .patient)
        #expect(withdraw.event.status == .erasureWithdrawn && withdraw.event.patient == patient)
        let withdrawn = try #require(world.account(.patient)?.erasure)
        #expect(withdrawn.status == .withdrawn)
        #expect(withdrawn.decision == ErasureDecision(by: patient, entry: withdraw.event.index, time: withdraw.event.time))
        #expect(!(try world.submit(WithdrawErasure(), by: .patient).allowed))
        #expect(!(try world.submit(ConfirmErasure(patient: patient), by: .systemAdmin).allowed))
        #expect(world.account(.patient)?.status == .active)
        #expect(world.state.erasedPatients.isEmpty)
    }

    @Test("a patient suspended after asking can still be erased, and erasure is final")
    func suspendedPatientErased() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(RequestErasure(patient: patient), by: .patient)
        try world.require(SuspendAccount(account: patient), by: .systemAdmin)
        // Suspended, the patient cannot withdraw; an administrator still decides.
        #expect(!(try world.submit(WithdrawErasure(), by: .patient).allowed))
        try world.require(ConfirmErasure(patient: patient), by: .systemAdmin)
        #expect(world.account(.patient)?.status == .erased)
        #expect(world.account(.patient)?.suspendedFrom == nil)
        let reactivate = try world.submit(ReactivateAccount(account: patient), by: .systemAdmin)
        #expect(!reactivate.allowed)
        let suspend = try world.submit(SuspendAccount(account: patient), by: .systemAdmin)
        #expect(!suspend.allowed && suspend.event.message.contains("erased"))
        #expect(world.state.erasedPatients == [patient])
    }

    @Test("after erasure, every read of the patient's content and every write about them is denied as erased", arguments: ErasedAttempt.all)
    func deniedAfterErasure(attempt: ErasedAttempt) throws {
        var world = try ContractWorld.sharedWidely(erase: true)
        let patient = world.address(.patient)
        let before = world.state
        let outcome = try world.submit(attempt.body(world), by: attempt.persona)
        let context = Comment(rawValue: "\(attempt.testDescription): \(outcome.event.message)")
        #expect(!outcome.allowed, context)
        #expect(outcome.event.message.contains("erased"), context)
        // The refusal is on the patient's trail.
        #expect(outcome.event.patient == patient, context)
        #expect(outcome.answer == nil, context)
        let unchanged = world.state == before
        #expect(unchanged, context)
    }

    @Test(
        "the same attempts are allowed in the same history without the erasure, so erasure is what refuses them",
        arguments: ErasedAttempt.all.filter(\.allowedBefore))
    func allowedBeforeErasure(attempt: ErasedAttempt) throws {
        var world = try ContractWorld.sharedWidely(erase: false)
        let outcome = try world.submit(attempt.body(world), by: attempt.persona)
        #expect(outcome.allowed, "\(attempt.testDescription): \(outcome.event.message)")
    }

    @Test("the trail outlives the content: auditors still read a record's trail and the patient's events, administrators every event")
    func trailOutlivesContent() throws {
        var world = try ContractWorld.sharedWidely(erase: true)
        let patient = world.address(.patient)
        let denied = try world.submit(ViewRecord(record: rx), by: .doctor)
        #expect(!denied.allowed)

        let trail = try world.submit(QueryTrail(record: rx), by: .auditor)
        #expect(trail.allowed, "\(trail.event.message)")
        #expect(trail.event.patient == patient && trail.event.record == rx)
        guard case .events(let query)? = trail.answer else {
            Issue.record("a trail read answers with an events query")
            return
        }
        // The record's trail holds its whole life, the denied read after the erasure included.
        let recordTrail = world.events.filter(query.matches)
        #expect(recordTrail.first?.action == "record.create")
        #expect(recordTrail.contains { $0.index == denied.event.index && $0.outcome == .denied })
        #expect(try world.submit(QueryTrail(record: rx), by: .reviewer).allowed)

        let events = try world.submit(QueryEvents(query: AuditQuery(patient: patient)), by: .auditor)
        #expect(events.allowed, "\(events.event.message)")
        let everything = try world.submit(QueryEvents(query: AuditQuery(patient: patient)), by: .systemAdmin)
        #expect(everything.allowed)
        guard case .events(let patientQuery)? = everything.answer else {
            Issue.record("an events read answers with an events query")
            return
        }
        let actions = world.events.filter(patientQuery.matches).map(\.action)
        #expect(actions.contains("erasure.request") && actions.contains("erasure.confirm"))

        // Somebody the patient never granted reads no trail, erasure or not.
        #expect(!(try world.submit(QueryTrail(record: rx), by: .pharmacist).allowed))
        // Staff looking the patient up learn that the records were erased (no health data).
        let lookup = try world.require(LookUpPatient(patient: patient), by: .doctor)
        guard case .patient(let summary)? = lookup.answer else {
            Issue.record("a lookup answers with a summary")
            return
        }
        #expect(summary.status == .erased)
        // Administrators still see the account, as erased.
        let listed = try world.require(ListAccounts(role: .patient, status: .erased), by: .systemAdmin)
        #expect(accounts(listed) == [patient])
    }

    @Test("a session key cannot sign an erasure request: the account's own key must")
    func sessionKeyCannotRequest() throws {
        var world = try ContractWorld.standard()
        try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000), by: .patient)
        let outcome = try world.submit(RequestErasure(patient: world.address(.patient)), by: .newStaff)
        #expect(!outcome.allowed && outcome.event.message.contains("may only read"))
        #expect(world.account(.patient)?.erasure == nil)
        // The session key may read the request's state, as the patient.
        #expect(try world.submit(ListErasureRequests(), by: .newStaff).allowed)
    }

    @Test("replaying the ledger and rebuilding from stored objects give the same erased state and the same events")
    func replayAndRebuild() throws {
        var world = try ContractWorld.sharedWidely(erase: true)
        try world.require(RequestErasure(patient: world.address(.secondPatient)), by: .secondPatient)
        try world.submit(ViewRecord(record: rx), by: .doctor)

        var replayed = ContractState()
        var events: [AuditEvent] = []
        for entry in world.entries {
            let transaction = try ContractWorld.verifier.parse(entry.transaction.entry)
            events.append(try #require(ContractEngine.apply(transaction, index: entry.index, time: entry.time, to: &replayed)).event)
        }
        let sameState = replayed == world.state
        #expect(sameState)
        #expect(events == world.events)
        #expect(replayed.erasedPatients == [world.address(.patient)])

        let rebuilt = ContractState(objects: world.state.allObjects.reversed())
        let sameRebuilt = rebuilt == world.state
        #expect(sameRebuilt)
        #expect(rebuilt.erasedPatients == world.state.erasedPatients)
        // The rebuilt state decides like the original: the pending request is still listed.
        var again = world.with(state: rebuilt)
        #expect(accounts(try again.require(ListErasureRequests(status: .pending), by: .systemAdmin)) == [world.address(.secondPatient)])
        #expect(!(try again.submit(ViewRecord(record: rx), by: .doctor).allowed))
    }

    @Test("account documents stored before erasure existed still decode, and re-encode byte for byte")
    func storedAccountsStayCompatible() throws {
        var world = try ContractWorld.standard()
        // A document of an account that never asked has no erasure field at all.
        let untouched = try #require(world.state.object(StateKey(kind: .account, id: world.address(.secondPatient).rawValue)))
        let document = try untouched.document()
        #expect(!String(decoding: document, as: UTF8.self).contains("erasure"))

        // A document written before this change (every field of the time, no erasure).
        let address = world.address(.patient).rawValue
        let old = #"{"address":"\#(address)","createdAt":12,"profile":"\#(cid("p"))","publicKey":"\#(world.publicKey(.patient))","role":"patient","status":"suspended","suspendedFrom":"active"}"#
        let decoded = try StateObject.decode(kind: .account, document: Array(old.utf8))
        guard case .account(let account) = decoded else {
            Issue.record("an account document decodes as an account")
            return
        }
        #expect(account.status == .suspended && account.suspendedFrom == .active && account.erasure == nil)
        #expect(try decoded.document() == Array(old.utf8))

        // An erased account's document round-trips.
        try world.require(RequestErasure(patient: world.address(.patient), reason: cid("why")), by: .patient)
        try world.require(ConfirmErasure(patient: world.address(.patient)), by: .systemAdmin)
        let erased = try #require(world.state.object(StateKey(kind: .account, id: address)))
        let erasedDocument = try erased.document()
        let text = String(decoding: erasedDocument, as: UTF8.self)
        #expect(text.contains(#""status":"erased""#))
        let roundTrip = try StateObject.decode(kind: .account, document: erasedDocument)
        #expect(roundTrip == erased)
        #expect(try roundTrip.document() == erasedDocument)
    }
}

/// The addresses an accounts answer lists, in order.
private func accounts(_ outcome: ContractOutcome) -> [AccountAddress]? {
    guard case .accounts(let accounts)? = outcome.answer else { return nil }
    return accounts.map(\.address)
}
