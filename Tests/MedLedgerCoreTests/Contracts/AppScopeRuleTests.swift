import Crypto
import Testing

@testable import MedLedgerCore

/// SMART apps: what a token may read is decided by the contracts from the scopes the owner signed.
/// The persona `newStaff` (a key with no account) plays the app's session key.
@Suite("app scope rule")
struct AppScopeRuleTests {
    static let rx = ContractWorld.prescription
    static let note = "note-app"
    static let shot = "shot-app"

    /// The standard world plus a visit note and an immunization by the verified doctor, and a
    /// registered app.
    static func world() throws -> ContractWorld {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(BookAppointment(id: "appt-app", doctor: world.address(.doctor), time: world.time + 3_600_000), by: .patient)
        try world.require(AcceptAppointment(appointment: "appt-app"), by: .doctor)
        try world.require(CreateRecord(id: note, patient: patient, category: .visitNotes, content: cid("note for app")), by: .doctor)
        try world.require(CreateRecord(id: shot, patient: patient, category: .immunizations, content: cid("shot for app")), by: .doctor)
        try world.require(RegisterApp(id: "chart", name: "Chart viewer", redirectURIs: ["https://chart.example/cb"]), by: .systemAdmin)
        return world
    }

    /// `world` with an app session for `persona` holding `scopes`.
    static func authorised(
        _ scopes: [String], by persona: Persona = .patient, patient: Persona? = .patient, in world: inout ContractWorld
    ) throws {
        try world.require(
            OpenSession(
                sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000, app: "chart", scopes: scopes,
                patient: patient.map { world.address($0) }),
            by: persona)
    }

    @Test("scopes parse in SMART v2 and v1 syntax, keep only reading and searching, and refuse anything else")
    func parsing() {
        #expect(SMARTScope("patient/DocumentReference.rs")?.normalized == "patient/DocumentReference.rs")
        #expect(SMARTScope("user/*.read")?.normalized == "user/*.rs")
        #expect(SMARTScope("patient/Observation.cruds")?.normalized == "patient/Observation.rs")
        #expect(SMARTScope("patient/Observation.r")?.normalized == "patient/Observation.r")
        #expect(SMARTScope("patient/Observation.cud")?.normalized == nil)
        #expect(SMARTScope("patient/Observation.write")?.normalized == nil)
        for bad in ["patient/Observation.sr", "patient/Observation.", "openid", "launch/patient", "patient/observation.rs",
            "doctor/*.rs", "patient/Observation.rs?category=x", "patient/*.rsx", String(repeating: "a", count: 200)] {
            #expect(SMARTScope(bad) == nil, "\(bad)")
        }
        let scope = SMARTScope("patient/Appointment.s")!
        #expect(scope.permits("Appointment", .search) && !scope.permits("Appointment", .read) && !scope.permits("Patient", .search))
        #expect(SMARTScope("user/*.rs")!.permits("Consent", .read))
    }

    @Test("an app granted only Appointment reads appointments but no record, and every read names the app")
    func appointmentOnly() throws {
        var world = try Self.world()
        try Self.authorised(["launch/patient", "patient/Appointment.rs"], in: &world)
        let appointments = try world.submit(ListAppointments(), by: .newStaff)
        #expect(appointments.allowed)
        #expect(appointments.event.app == "chart" && appointments.event.actor == world.address(.patient))
        let record = try world.submit(ViewRecord(record: Self.note), by: .newStaff)
        #expect(!record.allowed)
        #expect(record.event.message.contains("not granted"))
        #expect(record.event.app == "chart")
        #expect(!(try world.submit(ListRecords(patient: world.address(.patient)), by: .newStaff)).allowed)
        #expect(!(try world.submit(ListInvitations(), by: .newStaff)).allowed)
    }

    @Test("record reads follow the record's category: MedicationRequest covers prescriptions only, and lists keep only those")
    func categoryScopes() throws {
        var world = try Self.world()
        try Self.authorised(["launch/patient", "patient/MedicationRequest.rs"], in: &world)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .newStaff).allowed)
        let note = try world.submit(ViewRecord(record: Self.note), by: .newStaff)
        #expect(!note.allowed && note.event.record == Self.note)
        #expect(!(try world.submit(DownloadRecord(record: Self.shot), by: .newStaff)).allowed)
        // A failed content check is reported for records the app may read, and only those.
        let rxContent = try #require(world.state.records[Self.rx]?.current.content)
        let shotContent = try #require(world.state.records[Self.shot]?.current.content)
        #expect(try world.submit(ReportContentFailure(record: Self.rx, version: 1, content: rxContent, problem: .missing), by: .newStaff).allowed)
        #expect(!(try world.submit(ReportContentFailure(record: Self.shot, version: 1, content: shotContent, problem: .missing), by: .newStaff)).allowed)
        let list = try world.submit(ListRecords(patient: world.address(.patient)), by: .newStaff)
        guard case .records(let records)? = list.answer else { Issue.record("no records answer"); return }
        #expect(records.map(\.id) == [Self.rx])
    }

    @Test("a page view by an app decides each read against the scopes")
    func pageViewReads() throws {
        var world = try Self.world()
        try Self.authorised(["launch/patient", "patient/Immunization.rs", "patient/DocumentReference.rs"], in: &world)
        let page = try world.submit(PageView([ViewRecord(record: Self.shot), ViewRecord(record: Self.rx), ViewRecord(record: Self.note)]), by: .newStaff)
        #expect(page.allowed && page.event.app == "chart")
        guard case .page(let parts)? = page.answer else { Issue.record("no page answer"); return }
        #expect(parts.map { $0.answer != nil } == [true, false, true])
    }

    @Test("a retired app's token reads nothing; the owner's revocation (session.close) ends it too")
    func retirementAndRevocation() throws {
        var retired = try Self.world()
        try Self.authorised(["launch/patient", "patient/*.rs"], in: &retired)
        #expect(try retired.submit(ViewRecord(record: Self.note), by: .newStaff).allowed)
        try retired.require(RetireApp(id: "chart"), by: .systemAdmin)
        let after = try retired.submit(ViewRecord(record: Self.note), by: .newStaff)
        #expect(!after.allowed && after.event.message.contains("retired"))

        var revoked = try Self.world()
        try Self.authorised(["launch/patient", "patient/*.rs"], in: &revoked)
        let listed = try revoked.submit(ListAppSessions(), by: .patient)
        guard case .appSessions(let sessions)? = listed.answer else { Issue.record("no sessions answer"); return }
        #expect(sessions.map(\.id) == [revoked.address(.newStaff)])
        try revoked.require(CloseSession(session: revoked.address(.newStaff)), by: .patient)
        #expect(!(try revoked.submit(ViewRecord(record: Self.note), by: .newStaff)).allowed)
        guard case .appSessions(let open)? = try revoked.submit(ListAppSessions(), by: .patient).answer else { Issue.record("no answer"); return }
        #expect(open.isEmpty)
    }

    @Test("a doctor's user/ token reads only what the patient granted; patient/ scopes stay in the launch patient's records")
    func doctorTokens() throws {
        var world = try Self.world()
        // The doctor wrote the note (an author reads it) but holds no grant to the prescription.
        try Self.authorised(["user/*.rs"], by: .doctor, patient: nil, in: &world)
        #expect(try world.submit(ViewRecord(record: Self.note), by: .newStaff).allowed)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .newStaff)).allowed)

        // Launched with the second patient, the same token cannot read the first patient's note.
        var launched = try Self.world()
        try Self.authorised(["launch/patient", "patient/*.rs"], by: .doctor, patient: .secondPatient, in: &launched)
        let outside = try launched.submit(ViewRecord(record: Self.note), by: .newStaff)
        #expect(!outside.allowed && outside.event.message.contains("launch patient"))
    }

    @Test("opening an app session needs a registered app, valid scopes, and the patient themselves as a patient's launch patient")
    func openingRules() throws {
        var world = try Self.world()
        let key = world.publicKey(.newStaff)
        let unknownApp = try world.submit(
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "nope", scopes: ["patient/*.rs"], patient: world.address(.patient)),
            by: .patient)
        #expect(!unknownApp.allowed)
        let otherPatient = try world.submit(
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: ["patient/*.rs"], patient: world.address(.secondPatient)),
            by: .patient)
        #expect(!otherPatient.allowed)
        let noPatient = try world.submit(OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: ["patient/*.rs"]), by: .patient)
        #expect(!noPatient.allowed)
        let system = try world.submit(OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: ["system/*.rs"]), by: .patient)
        #expect(!system.allowed)
        #expect(world.state.sessions[world.address(.newStaff)] == nil)
        // Bodies that cannot be valid are refused before the ledger.
        for body in [
            OpenSession(sessionKey: key, expires: world.time + 60_000, scopes: ["patient/*.rs"]),
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: []),
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: ["patient/*.read"]),
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "chart", scopes: ["patient/*.rs", "patient/*.rs"]),
            OpenSession(sessionKey: key, expires: world.time + 60_000, app: "bad app", scopes: ["patient/*.rs"]),
        ] {
            #expect(throws: (any Error).self) { try world.transaction(body, by: .patient) }
        }
    }

    @Test("apps are registered with safe redirect addresses only")
    func redirects() {
        for good in ["https://app.example/cb", "http://127.0.0.1:8080/cb", "http://localhost/cb", "http://[::1]:9/x"] {
            #expect(ClientApp.isAllowedRedirect(good), "\(good)")
        }
        for bad in ["http://app.example/cb", "https://", "https:///x", "https://a.example/#frag", "javascript:alert(1)",
            "https://user@evil.example/", "http://localhost.evil.example/", "https://a.example/ b", "ftp://x"] {
            #expect(!ClientApp.isAllowedRedirect(bad), "\(bad)")
        }
    }
}
