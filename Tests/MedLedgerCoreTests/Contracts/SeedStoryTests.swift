import Crypto
import Testing

@testable import MedLedgerCore

/// The issue's end-to-end story, played against the engine alone.
@Suite("seed story")
struct SeedStoryTests {
    static let note = "note-1"

    /// Plays the story on the standard cast and returns the world it leaves.
    static func playStory() throws -> ContractWorld {
        var world = try ContractWorld.standard(records: false)
        let patient = world.address(.patient)
        let doctor = world.address(.doctor)
        try world.require(BookAppointment(id: "visit-1", doctor: doctor, time: world.time + 86_400_000, symptoms: cid("headache")), by: .patient)
        world.advance(seconds: 600)
        try world.require(AcceptAppointment(appointment: "visit-1"), by: .doctor)
        world.advance(seconds: 86_400)
        try world.require(CreateRecord(id: note, patient: patient, category: .visitNotes, content: cid("note v1")), by: .doctor)
        try world.require(CreateGrant(id: "g-doctor", grantee: doctor, scope: .record(note)), by: .patient)
        try world.require(CreateGrant(id: "g-auditor", grantee: world.address(.auditor), scope: .record(note)), by: .patient)
        world.advance(seconds: 3_600)
        try world.require(ViewRecord(record: note), by: .doctor)
        try world.require(UpdateRecord(record: note, content: cid("note v2"), baseVersion: 1), by: .doctor)
        world.advance(seconds: 3_600)
        try world.require(QueryTrail(record: note), by: .auditor)
        try world.recordTally(of: note, for: .auditor, result: .tallies)
        try world.require(SignOffTrail(record: note, decision: .approve, note: cid("all entries accounted for")), by: .auditor)
        world.advance(seconds: 86_400)
        try world.require(RevokeGrant(grant: "g-doctor"), by: .patient)
        try world.require(ViewRecord(record: note), by: .doctor)
        try world.submit(UpdateRecord(record: note, content: cid("note v3"), baseVersion: 2), by: .doctor)
        return world
    }

    @Test("book, accept, write, grant, view, change, audit, revoke, deny — each step decided and recorded")
    func story() throws {
        var world = try ContractWorld.standard(records: false)
        let patient = world.address(.patient)
        let doctor = world.address(.doctor)
        let auditor = world.address(.auditor)
        let note = Self.note

        // The doctor cannot write for a stranger.
        let uninvited = try world.submit(CreateRecord(id: note, patient: patient, category: .visitNotes, content: cid("note v1")), by: .doctor)
        #expect(!uninvited.allowed)

        // The patient books; the doctor accepts.
        let book = try world.require(BookAppointment(id: "visit-1", doctor: doctor, time: world.time + 86_400_000, symptoms: cid("headache")), by: .patient)
        #expect(book.event.status == .booked && book.event.patient == patient && book.event.doctor == doctor)
        try world.require(AcceptAppointment(appointment: "visit-1"), by: .doctor)
        #expect(world.state.appointments["visit-1"]?.status == .accepted)

        // The accepted appointment lets the doctor write the record…
        let create = try world.require(CreateRecord(id: note, patient: patient, category: .visitNotes, content: cid("note v1")), by: .doctor)
        #expect(create.event.record == note && create.event.version == 1 && create.event.status == .created)
        let written = try #require(world.state.records[note])
        #expect(written.author == doctor && written.patient == patient && written.versions.map(\.content) == [cid("note v1")])
        // …and read it back without a grant, as its author (the patient's other records need one).
        #expect(try world.submit(ViewRecord(record: note), by: .doctor).allowed)

        // The patient grants the doctor and an auditor.
        let grantDoctor = try world.require(CreateGrant(id: "g-doctor", grantee: doctor, scope: .record(note)), by: .patient)
        #expect(grantDoctor.event.doctor == doctor && grantDoctor.event.record == note && grantDoctor.event.status == .granted)
        let grantAuditor = try world.require(CreateGrant(id: "g-auditor", grantee: auditor, scope: .record(note)), by: .patient)
        #expect(grantAuditor.event.auditor == auditor)

        // The doctor views and changes it: version 2, version 1 kept.
        let view = try world.require(ViewRecord(record: note), by: .doctor)
        guard case .record(_, let viewed)? = view.answer else {
            Issue.record("a view answers with the record's version")
            return
        }
        #expect(viewed.number == 1 && viewed.content == cid("note v1"))
        let change = try world.require(UpdateRecord(record: note, content: cid("note v2"), baseVersion: 1), by: .doctor)
        #expect(change.event.version == 2 && change.event.status == .changed)
        let changed = try #require(world.state.records[note])
        #expect(changed.versions.map(\.number) == [1, 2])
        #expect(changed.versions.map(\.content) == [cid("note v1"), cid("note v2")])
        #expect(changed.current.author == doctor && changed.current.entry == change.event.index)
        let old = try world.require(ViewRecord(record: note, version: 1), by: .doctor)
        if case .record(_, let version)? = old.answer { #expect(version.content == cid("note v1")) } else { Issue.record("no version 1") }

        // The auditor reads the trail, the node records that it tallies, and the auditor signs off.
        let trail = try world.require(QueryTrail(record: note), by: .auditor)
        #expect(trail.answer == .events(AuditQuery(record: note, limit: AuditQuery.maxLimit)))
        try world.recordTally(of: note, for: .auditor, result: .tallies)
        try world.require(SignOffTrail(record: note, decision: .approve, note: cid("all entries accounted for")), by: .auditor)
        let audited = try #require(world.state.records[note])
        #expect(audited.tally(by: auditor)?.result == .tallies && audited.tallies?.count == 1)
        #expect(audited.signOff?.decision == .approve)
        // A trail that tallies gives the auditor no reason to open the record.
        #expect(!(try world.submit(ViewRecord(record: note), by: .auditor).allowed))

        // The patient revokes the doctor's grant: the doctor still reads the note they wrote, but
        // may no longer change it, and the denial names the record.
        try world.require(RevokeGrant(grant: "g-doctor"), by: .patient)
        #expect(try world.submit(ViewRecord(record: note), by: .doctor).allowed)
        let before = world.state
        let denied = try world.submit(UpdateRecord(record: note, content: cid("note v3"), baseVersion: 2), by: .doctor)
        #expect(denied.event.outcome == .denied)
        #expect(denied.event.record == note && denied.event.patient == patient && denied.event.actor == doctor)
        #expect(denied.event.message.contains("record \(note)"))
        #expect(denied.answer == nil)
        let unchanged = world.state == before
        #expect(unchanged)

        // The record's trail, as the auditor's query selects it from the log, tells the whole story.
        guard case .events(let query)? = trail.answer else { return }
        let recordTrail = world.events.filter(query.matches)
        let expectedTrail: [(String, EventOutcome)] = [
            ("record.create", .denied), ("record.create", .allowed), ("record.view", .allowed),
            ("grant.create", .allowed), ("grant.create", .allowed),
            ("record.view", .allowed), ("record.update", .allowed), ("record.view", .allowed),
            ("audit.trail", .allowed), ("audit.tally", .allowed), ("audit.signoff", .allowed), ("record.view", .denied),
            ("grant.revoke", .allowed), ("record.view", .allowed), ("record.update", .denied),
        ]
        #expect(recordTrail.map(\.action) == expectedTrail.map(\.0))
        #expect(recordTrail.map(\.outcome) == expectedTrail.map(\.1))
        #expect(recordTrail.allSatisfy { $0.patient == patient })
        // The patient may read that trail too; another patient may not.
        #expect(try world.submit(QueryTrail(record: note), by: .patient).allowed)
        #expect(!(try world.submit(QueryTrail(record: note), by: .secondPatient).allowed))
    }

    @Test("replaying the same entries at the same indexes and times gives an equal state and equal events")
    func replayIsDeterministic() throws {
        let world = try Self.playStory()
        var replayed = ContractState()
        var outcomes: [ContractOutcome] = []
        for entry in world.entries {
            // Replay from the stored bytes, as `medledger verify` does.
            let transaction = try ContractWorld.verifier.parse(entry.transaction.entry)
            outcomes.append(try #require(ContractEngine.apply(transaction, index: entry.index, time: entry.time, to: &replayed)))
        }
        let sameState = replayed == world.state
        #expect(sameState)
        #expect(outcomes.map(\.event) == world.events)
        #expect(world.events.last?.outcome == .denied)
    }

    @Test("a state rebuilt from its objects equals the original, and every object's document round-trips")
    func objectsRoundTrip() throws {
        var world = try Self.playStory()
        try world.require(OpenBreakGlass(id: "bg-1", patient: world.address(.secondPatient), justification: cid("collapsed")), by: .doctor)
        try world.require(RequestAccess(id: "req-1", patient: world.address(.patient), scope: .category(.prescriptions), reason: cid("refill")), by: .pharmacist)
        try world.require(SetParameters(parameters: SystemParameters(defaultGrantSeconds: 86_400, maxGrantSeconds: 30 * 86_400, breakGlassSeconds: 7_200)), by: .systemAdmin)
        try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 60_000), by: .patient)
        try world.require(
            CreateInvitation(id: "inv-1", publicKey: P256.Signing.PrivateKey().publicKey.payloadKey, role: .patient, seconds: 3_600),
            by: .systemAdmin)
        try world.require(RegisterApp(id: "chart", name: "Chart viewer", redirectURIs: ["https://chart.example/cb"]), by: .systemAdmin)
        try world.require(
            OpenSession(
                sessionKey: P256.Signing.PrivateKey().publicKey.payloadKey, expires: world.time + 60_000, app: "chart",
                scopes: ["launch/patient", "patient/*.rs"], patient: world.address(.patient)),
            by: .patient)
        let objects = world.state.allObjects
        #expect(Set(objects.map(\.key.kind)) == Set(StateKind.allCases))
        #expect(objects.map(\.key) == objects.map(\.key).sorted())

        let rebuilt = ContractState(objects: objects)
        let rebuiltFromShuffled = ContractState(objects: objects.reversed())
        let rebuiltWithoutOne = ContractState(objects: objects.dropLast())
        #expect(rebuilt == world.state, "rebuilt from its objects")
        #expect(rebuiltFromShuffled == world.state, "rebuilt from its objects in another order")
        #expect(rebuiltWithoutOne != world.state, "equality compares every object")

        for object in objects {
            let document = try object.document()
            let decoded = try StateObject.decode(kind: object.key.kind, document: document)
            #expect(decoded == object, "\(object.key)")
            #expect(try decoded.document() == document, "\(object.key)")
        }
    }

    @Test("a state rebuilt from its objects makes the same decisions and answers as the original")
    func rebuiltStateBehavesLikeOriginal() throws {
        var world = try ContractWorld.standard()
        let doctor = world.address(.doctor)
        // Ids whose key order is the reverse of their creation order.
        try world.require(AddDocument(id: "a-scan", category: .prescriptions, content: cid("scan")), by: .patient)
        try world.require(CreateGrant(id: "z-once", grantee: doctor, scope: .category(.prescriptions), oneTime: true), by: .patient)
        try world.require(CreateGrant(id: "a-once", grantee: doctor, scope: .category(.prescriptions), oneTime: true), by: .patient)

        // Rebuilt from the objects in key order, as a store lists them.
        var rebuilt = world.with(state: ContractState(objects: world.state.allObjects))
        let equalBefore = rebuilt.state == world.state
        #expect(equalBefore)
        let next: [VerifiedTransaction] = [
            try world.transaction(ListRecords(patient: world.address(.patient)), by: .patient),
            try world.transaction(ListGrants(), by: .doctor),
            try world.transaction(ViewRecord(record: ContractWorld.prescription), by: .doctor),
            try world.transaction(ListGrants(), by: .patient),
        ]
        for transaction in next {
            let original = try world.apply(transaction)
            let again = try rebuilt.apply(transaction)
            #expect(again.event == original.event, "\(transaction.type)")
            #expect(answerIDs(again) == answerIDs(original), "\(transaction.type)")
            let equalAfter = rebuilt.state == world.state
            #expect(equalAfter, "\(transaction.type)")
        }
        // The one-time grant the doctor used is the first one the patient gave.
        #expect(world.state.grants["z-once"]?.status == .consumed)
        #expect(world.state.grants["a-once"]?.status == .active)
    }
}

/// The ids a list answer holds, in order (records, grants), or the record a read returned.
private func answerIDs(_ outcome: ContractOutcome) -> [String] {
    switch outcome.answer {
    case .records(let records)?: records.map(\.id)
    case .grants(let grants)?: grants.map(\.id)
    case .record(let record, let version)?: ["\(record.id) v\(version.number)"]
    default: []
    }
}
