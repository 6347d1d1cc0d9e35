import Crypto
import Testing

@testable import MedLedgerCore

// MARK: - The grant-state dimension

/// Where the signer stands with the patient (and so with the patient's prescription
/// ``ContractWorld/prescription``) before the attempt.
enum GrantState: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// No grant from the patient.
    case none
    /// A reusable grant covering prescriptions, in force.
    case active
    /// A one-time grant covering prescriptions, not used yet.
    case oneTime
    /// A grant covering prescriptions whose expiry has passed.
    case expired
    /// A grant covering prescriptions the patient revoked.
    case revoked
    /// A one-time grant covering prescriptions, consumed by a read of the prescription.
    case oneTimeUsed
    /// No grant, but break-glass access the doctor opened to the patient.
    case breakGlass

    var testDescription: String { rawValue }
}

extension Persona {
    /// True when a history can put this persona in `state`: only accounts a patient may grant hold
    /// grants (the rejected and suspended doctors got theirs while verified), only doctors open
    /// break-glass access.
    func canHold(_ state: GrantState) -> Bool {
        switch state {
        case .none: true
        case .breakGlass: [.doctor, .rejectedDoctor, .suspendedDoctor].contains(self)
        case .active, .oneTime, .expired, .revoked, .oneTimeUsed:
            [.doctor, .rejectedDoctor, .suspendedDoctor, .auditor, .management, .pharmacist].contains(self)
        }
    }
}

extension ContractWorld {
    /// The grant the matrix gives the signer.
    static let signerGrant = "g-signer"

    /// Gives `persona` `state` towards the patient (see ``GrantState``).
    mutating func give(_ state: GrantState, to persona: Persona) throws {
        let grantee = address(persona)
        let scope = AccessScope.category(.prescriptions)
        switch state {
        case .none:
            break
        case .active:
            try require(CreateGrant(id: Self.signerGrant, grantee: grantee, scope: scope), by: .patient)
        case .oneTime:
            try require(CreateGrant(id: Self.signerGrant, grantee: grantee, scope: scope, oneTime: true), by: .patient)
        case .expired:
            try require(CreateGrant(id: Self.signerGrant, grantee: grantee, scope: scope, expires: time + 3_600_000), by: .patient)
            advance(seconds: 2 * 3_600)
        case .revoked:
            try require(CreateGrant(id: Self.signerGrant, grantee: grantee, scope: scope), by: .patient)
            try require(RevokeGrant(grant: Self.signerGrant), by: .patient)
        case .oneTimeUsed:
            try require(CreateGrant(id: Self.signerGrant, grantee: grantee, scope: scope, oneTime: true), by: .patient)
            // An auditor reads only after the node recorded a failed check of theirs.
            if persona.role == .auditor { try recordTally(of: Self.prescription, for: persona, result: .discrepancy) }
            try require(ViewRecord(record: Self.prescription), by: persona)
        case .breakGlass:
            try require(OpenBreakGlass(id: "bg-signer", patient: address(.patient), justification: cid("emergency")), by: persona)
        }
    }

    /// The patient books an appointment `appt-<doctor>` with each verified doctor persona; with
    /// `accept`, each doctor accepts theirs.
    mutating func bookWithEveryDoctor(accept: Bool) throws {
        for doctor in [Persona.doctor, .rejectedDoctor, .suspendedDoctor] {
            let id = "appt-\(doctor.rawValue)"
            try require(BookAppointment(id: id, doctor: address(doctor), time: time + 7 * 86_400_000, symptoms: cid("symptoms for \(id)")), by: .patient)
            if accept { try require(AcceptAppointment(appointment: id), by: doctor) }
        }
    }

    /// The appointment a persona acts on: a doctor's own, or else the verified doctor's.
    static func appointment(for persona: Persona) -> String {
        [.doctor, .rejectedDoctor, .suspendedDoctor].contains(persona) ? "appt-\(persona.rawValue)" : "appt-doctor"
    }
}

// MARK: - The table

private let rx = ContractWorld.prescription

/// Who may do an action: some personas whatever their grant state, others only in some grant states.
struct Permission: Sendable {
    var always: Set<Persona> = []
    var withGrant: [Persona: Set<GrantState>] = [:]

    func allows(_ persona: Persona, _ state: GrantState) -> Bool {
        always.contains(persona) || withGrant[persona]?.contains(state) == true
    }

    static func only(_ personas: Set<Persona>) -> Permission { Permission(always: personas) }
}

/// The key of the invitations the matrix makes (its private half is what a link carries).
private let matrixInvitationKey = try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 11, count: 32))

/// Every persona with an active account in the standard world.
private let activeAccounts: Set<Persona> = [.systemAdmin, .hospitalAdmin, .doctor, .auditor, .management, .pharmacist, .patient, .secondPatient]
/// Grant states in which a grant from the patient is in force (reusable or not yet used).
private let inForce: Set<GrantState> = [.active, .oneTime]
/// Grant states that let a doctor read: a grant in force or break-glass.
private let clinicalRead: Set<GrantState> = [.active, .oneTime, .breakGlass]
/// Grant states that let a doctor change a record: a reusable grant or break-glass.
private let clinicalChange: Set<GrantState> = [.active, .breakGlass]

/// The patient reads their own; doctors read with a grant in force or break-glass; management and
/// pharmacists read with a grant in force. The auditor never does here: only the node's record of the
/// auditor's *own* failed tally check opens a record, and the reviewer's failed check opens nothing
/// for them.
private let readPermission = Permission(
    always: [.patient],
    withGrant: [.doctor: clinicalRead, .management: inForce, .pharmacist: inForce])

/// One action of ``ContractEngine/actions``: the body each persona signs, any setup it needs, and the table row.
struct ActionCase: Sendable, CustomTestStringConvertible {
    let type: String
    let permission: Permission
    /// True when the body names the prescription, so every event (denials included) must name it and its patient.
    let targetsPrescription: Bool
    /// True when an allowed use under break-glass access must be flagged.
    let flagsBreakGlassUse: Bool
    let prepare: @Sendable (inout ContractWorld) throws -> Void
    let body: @Sendable (ContractWorld, Persona) -> any ContractAction

    init<Action: ContractAction>(
        _ action: Action.Type, _ permission: Permission, targetsPrescription: Bool = false, flagsBreakGlassUse: Bool = false,
        prepare: @escaping @Sendable (inout ContractWorld) throws -> Void = { _ in },
        body: @escaping @Sendable (ContractWorld, Persona) -> Action
    ) {
        self.type = Action.transactionType
        self.permission = permission
        self.targetsPrescription = targetsPrescription
        self.flagsBreakGlassUse = flagsBreakGlassUse
        self.prepare = prepare
        self.body = { world, persona in body(world, persona) }
    }

    var testDescription: String { type }

    var isRecordRead: Bool { [ViewRecord.transactionType, CopyRecord.transactionType, PrintRecord.transactionType, DownloadRecord.transactionType].contains(type) }

    /// The table: for every contract action, who may do it.
    static let all: [ActionCase] = [
        // Administration
        ActionCase(CreateOrganization.self, .only([.systemAdmin])) { _, _ in
            CreateOrganization(id: "north-clinic", name: "North Clinic", kind: .hospital)
        },
        ActionCase(AddAdmin.self, .only([.systemAdmin])) { world, _ in
            AddAdmin(publicKey: world.publicKey(.newStaff), displayName: "Second Admin")
        },
        ActionCase(RemoveAdmin.self, .only([.systemAdmin])) { world, _ in
            RemoveAdmin(account: world.address(.hospitalAdmin))
        },
        ActionCase(CreateAccount.self, .only([.systemAdmin, .hospitalAdmin])) { world, _ in
            CreateAccount(publicKey: world.publicKey(.newStaff), role: .hospitalManagement, displayName: "Front Desk", organization: ContractWorld.hospital)
        },
        ActionCase(VerifyDoctor.self, .only([.systemAdmin, .hospitalAdmin])) { world, _ in
            VerifyDoctor(doctor: world.address(.pendingDoctor), decision: .approve, certificate: world.certificate(.pendingDoctor))
        },
        ActionCase(SuspendAccount.self, .only([.systemAdmin, .hospitalAdmin])) { world, _ in
            SuspendAccount(account: world.address(.doctor))
        },
        ActionCase(ReactivateAccount.self, .only([.systemAdmin, .hospitalAdmin])) { world, _ in
            ReactivateAccount(account: world.address(.suspendedDoctor))
        },
        ActionCase(SetParameters.self, .only([.systemAdmin])) { _, _ in
            SetParameters(parameters: SystemParameters(defaultGrantSeconds: 7 * 86_400, maxGrantSeconds: 90 * 86_400, breakGlassSeconds: 3_600))
        },
        // Invitations
        ActionCase(CreateInvitation.self, .only([.systemAdmin, .hospitalAdmin])) { _, _ in
            CreateInvitation(
                id: "inv-new", publicKey: matrixInvitationKey.publicKey.payloadKey, role: .doctor, organization: ContractWorld.hospital,
                seconds: 86_400)
        },
        ActionCase(RevokeInvitation.self, .only([.systemAdmin, .hospitalAdmin]), prepare: openInvitation) { _, _ in
            RevokeInvitation(invitation: "inv-open")
        },
        ActionCase(AcceptInvitation.self, .only([.newcomer]), prepare: openInvitation) { world, persona in
            // Each signer proves the invitation for its own key, as a holder of the link would.
            let proof = try! InvitationProof.sign(
                origin: "contracts.test/log", invitation: "inv-open", invitee: world.publicKey(persona), role: .patient, with: matrixInvitationKey)
            return AcceptInvitation(invitation: "inv-open", proof: proof, role: .patient, profile: cid("invited profile"))
        },
        // Registration
        ActionCase(RegisterPatient.self, .only([.newcomer])) { _, _ in RegisterPatient(profile: cid("new profile")) },
        ActionCase(RegisterDoctor.self, .only([.newcomer])) { _, _ in
            RegisterDoctor(displayName: "Dr New", speciality: "Cardiology", licence: "GMC-NEW", certificate: cid("new certificate"), organization: ContractWorld.hospital)
        },
        ActionCase(UpdateProfile.self, .only(activeAccounts)) { _, _ in UpdateProfile(profile: cid("profile v2")) },
        ActionCase(ChangeLicence.self, .only([.doctor])) { _, _ in ChangeLicence(licence: "GMC-CHANGED", organization: ContractWorld.hospital) },
        // Erasure: each patient asks for their own; only a system administrator decides.
        ActionCase(RequestErasure.self, .only([.patient, .secondPatient])) { world, persona in
            RequestErasure(patient: world.address(persona), reason: cid("reason for erasure"))
        },
        ActionCase(WithdrawErasure.self, .only([.patient]), prepare: patientAsksForErasure) { _, _ in WithdrawErasure() },
        ActionCase(ConfirmErasure.self, .only([.systemAdmin]), prepare: patientAsksForErasure) { world, _ in
            ConfirmErasure(patient: world.address(.patient))
        },
        ActionCase(DeclineErasure.self, .only([.systemAdmin]), prepare: patientAsksForErasure) { world, _ in
            DeclineErasure(patient: world.address(.patient))
        },
        // Appointments
        ActionCase(BookAppointment.self, .only([.patient, .secondPatient])) { world, _ in
            BookAppointment(id: "appt-new", doctor: world.address(.doctor), time: world.time + 86_400_000, symptoms: cid("cough"))
        },
        ActionCase(CancelAppointment.self, .only([.patient]), prepare: { try $0.bookWithEveryDoctor(accept: false) }) { _, _ in
            CancelAppointment(appointment: "appt-doctor")
        },
        ActionCase(DeleteAppointment.self, .only([.patient]), prepare: { try $0.bookWithEveryDoctor(accept: false) }) { _, _ in
            DeleteAppointment(appointment: "appt-doctor")
        },
        ActionCase(AcceptAppointment.self, .only([.doctor]), prepare: { try $0.bookWithEveryDoctor(accept: false) }) { _, persona in
            AcceptAppointment(appointment: ContractWorld.appointment(for: persona))
        },
        ActionCase(DeclineAppointment.self, .only([.doctor]), prepare: { try $0.bookWithEveryDoctor(accept: false) }) { _, persona in
            DeclineAppointment(appointment: ContractWorld.appointment(for: persona))
        },
        ActionCase(CompleteAppointment.self, .only([.doctor]), prepare: { try $0.bookWithEveryDoctor(accept: true) }) { _, persona in
            CompleteAppointment(appointment: ContractWorld.appointment(for: persona))
        },
        // Access
        ActionCase(CreateGrant.self, .only([.patient, .secondPatient])) { world, _ in
            CreateGrant(id: "g-new", grantee: world.address(.reviewer), scope: .all)
        },
        ActionCase(RevokeGrant.self, .only([.patient])) { _, _ in RevokeGrant(grant: ContractWorld.reviewerGrant) },
        ActionCase(RequestAccess.self, .only([.doctor, .management, .pharmacist])) { world, _ in
            RequestAccess(id: "req-new", patient: world.address(.patient), scope: .category(.prescriptions), reason: cid("reason"))
        },
        ActionCase(ApproveAccessRequest.self, .only([.patient]), prepare: requestFromPharmacist) { _, _ in
            ApproveAccessRequest(request: "req-pharmacy", grant: "g-request")
        },
        ActionCase(DenyAccessRequest.self, .only([.patient]), prepare: requestFromPharmacist) { _, _ in
            DenyAccessRequest(request: "req-pharmacy")
        },
        ActionCase(OpenBreakGlass.self, .only([.doctor])) { world, _ in
            OpenBreakGlass(id: "bg-new", patient: world.address(.patient), justification: cid("unconscious on arrival"))
        },
        // Records
        ActionCase(CreateRecord.self, Permission(withGrant: [.doctor: clinicalRead]), flagsBreakGlassUse: true) { world, _ in
            CreateRecord(id: "note-new", patient: world.address(.patient), category: .visitNotes, content: cid("note"))
        },
        ActionCase(AddDocument.self, .only([.patient, .secondPatient])) { _, _ in
            AddDocument(id: "doc-new", category: .medicalHistory, content: cid("old scan"))
        },
        ActionCase(UpdateRecord.self, Permission(withGrant: [.doctor: clinicalChange]), targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in
            UpdateRecord(record: rx, content: cid("rx-1 v2"), baseVersion: 1)
        },
        ActionCase(DeleteRecord.self, Permission(withGrant: [.doctor: clinicalChange]), targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in
            DeleteRecord(record: rx)
        },
        ActionCase(ViewRecord.self, readPermission, targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in ViewRecord(record: rx) },
        ActionCase(CopyRecord.self, readPermission, targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in CopyRecord(record: rx) },
        ActionCase(PrintRecord.self, readPermission, targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in PrintRecord(record: rx) },
        ActionCase(DownloadRecord.self, readPermission, targetsPrescription: true, flagsBreakGlassUse: true) { _, _ in DownloadRecord(record: rx) },
        // Reporting unreadable content follows the read rule, without consuming a one-time grant.
        ActionCase(ReportContentFailure.self, readPermission, targetsPrescription: true) { _, _ in
            ReportContentFailure(record: rx, version: 1, content: cid("rx-1 v1"), problem: .integrity)
        },
        ActionCase(DispensePrescription.self, Permission(withGrant: [.pharmacist: inForce]), targetsPrescription: true) { _, _ in
            DispensePrescription(record: rx)
        },
        // Audit
        ActionCase(QueryTrail.self, Permission(always: [.patient], withGrant: [.auditor: inForce]), targetsPrescription: true) { _, _ in
            QueryTrail(record: rx)
        },
        // Only the node's service key records a tally check; a signer asserting its own result is denied.
        ActionCase(RecordTally.self, Permission(), targetsPrescription: true) { world, persona in
            RecordTally(record: rx, auditor: world.address(persona), result: .discrepancy, checkpointSize: 1, discrepancies: 1)
        },
        // Sign-off follows the signer's own node-recorded check (the reviewer's counts for nothing):
        // the node records a failed one for the auditor whenever their grant covers the prescription.
        ActionCase(SignOffTrail.self, Permission(withGrant: [.auditor: inForce]), targetsPrescription: true, prepare: nodeChecksForAuditor) { _, _ in
            SignOffTrail(record: rx, decision: .flag, note: cid("follow up"))
        },
        ActionCase(
            QueryEvents.self,
            // Everyone active may search (non-admins see only their own actions); a patient may name
            // only themselves; an auditor naming a patient needs that patient's grant.
            Permission(always: activeAccounts.subtracting([.auditor, .secondPatient]), withGrant: [.auditor: inForce])
        ) { world, _ in QueryEvents(query: AuditQuery(patient: world.address(.patient))) },
        // Queries
        ActionCase(
            ListRecords.self,
            Permission(always: [.patient], withGrant: [.doctor: clinicalRead, .auditor: inForce, .management: inForce, .pharmacist: inForce]),
            flagsBreakGlassUse: true
        ) { world, _ in ListRecords(patient: world.address(.patient)) },
        ActionCase(ListAppointments.self, .only([.patient, .secondPatient, .doctor])) { _, _ in ListAppointments() },
        ActionCase(ListGrants.self, .only([.patient, .secondPatient, .doctor, .auditor, .management, .pharmacist])) { _, _ in ListGrants() },
        ActionCase(ListAccessRequests.self, .only([.patient, .secondPatient, .doctor, .management, .pharmacist])) { _, _ in ListAccessRequests() },
        ActionCase(ListAccounts.self, .only(activeAccounts)) { _, _ in ListAccounts(role: .doctor, status: .active) },
        // Administrators list the requests of patients they administer (an organization's none); patients
        // their own (an empty list when they have none).
        ActionCase(ListErasureRequests.self, .only([.systemAdmin, .hospitalAdmin, .patient, .secondPatient]), prepare: patientAsksForErasure) { _, _ in
            ListErasureRequests(status: .pending)
        },
        ActionCase(ListOrganizations.self, .only(activeAccounts)) { _, _ in ListOrganizations() },
        ActionCase(ListInvitations.self, .only([.systemAdmin, .hospitalAdmin])) { _, _ in ListInvitations() },
        // SMART apps: a system administrator registers and retires them; every active account lists
        // them and its own authorisations.
        ActionCase(RegisterApp.self, .only([.systemAdmin])) { _, _ in
            RegisterApp(id: "chart-app", name: "Chart viewer", redirectURIs: ["https://app.example/callback"])
        },
        ActionCase(RetireApp.self, .only([.systemAdmin]), prepare: registerApp) { _, _ in RetireApp(id: "matrix-app") },
        ActionCase(ListApps.self, .only(activeAccounts)) { _, _ in ListApps() },
        ActionCase(ListAppSessions.self, .only(activeAccounts)) { _, _ in ListAppSessions() },
        ActionCase(LookUpPatient.self, .only([.doctor, .management, .pharmacist])) { world, _ in LookUpPatient(patient: world.address(.patient)) },
        // The directory lists verified professionals to every active account; a hospital's patient
        // list is its management's; names follow the profile rule per patient and are never refused,
        // only left out (DirectoryTests).
        ActionCase(SearchDirectory.self, .only(activeAccounts)) { _, _ in SearchDirectory(text: "hospital") },
        ActionCase(ListHospitalPatients.self, .only([.management])) { _, _ in ListHospitalPatients() },
        ActionCase(ViewNames.self, .only([.patient, .secondPatient, .doctor, .auditor, .management, .pharmacist]), flagsBreakGlassUse: true) { world, _ in
            ViewNames(accounts: [world.address(.patient)])
        },
        // A page view is every active account's; each of its reads keeps its own row (PageViewTests).
        ActionCase(PageView.self, .only(activeAccounts)) { _, _ in PageView([ListOrganizations()]) },
        // The patient's profile: themselves, a doctor in their care (or under break-glass), and
        // holders of a grant in force; never an administrator.
        ActionCase(
            ViewProfile.self,
            Permission(always: [.patient], withGrant: [.doctor: clinicalRead, .auditor: inForce, .management: inForce, .pharmacist: inForce]),
            flagsBreakGlassUse: true
        ) { world, _ in ViewProfile(account: world.address(.patient)) },
        // A side document: the justification of an emergency access another doctor opened. The
        // patient reads it, and auditors holding a grant in force; the doctor who wrote it is not a
        // signer here (SideDocumentTests covers each kind's own readers).
        ActionCase(
            ViewDocument.self, Permission(always: [.patient], withGrant: [.auditor: inForce]),
            prepare: { world in
                try world.require(
                    OpenBreakGlass(id: "bg-other", patient: world.address(.patient), justification: cid("collapsed in the waiting room")),
                    by: .rejectedDoctor)
            }
        ) { _, _ in ViewDocument(kind: .justification, id: "bg-other") },
        // Sessions: only active accounts sign in; only the session's own account closes it.
        ActionCase(OpenSession.self, .only(activeAccounts)) { world, _ in
            OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000)
        },
        ActionCase(CloseSession.self, .only([.patient]), prepare: { world in
            try world.require(OpenSession(sessionKey: world.publicKey(.newStaff), expires: world.time + 3_600_000), by: .patient)
        }) { world, _ in CloseSession(session: world.address(.newStaff)) },
    ]

    /// The node records a failed tally check of the prescription for the auditor, when their grant
    /// covers it (as `POST /v1/audit/tally` would).
    @Sendable static func nodeChecksForAuditor(_ world: inout ContractWorld) throws {
        guard let auditor = world.account(.auditor), let record = world.state.records[rx],
            world.state.auditorCovers(record, auditor: auditor, at: world.time)
        else { return }
        try world.recordTally(of: rx, for: .auditor, result: .discrepancy)
    }

    /// The hospital's administrator invites a patient (key ``matrixInvitationKey``).
    @Sendable static func openInvitation(_ world: inout ContractWorld) throws {
        try world.require(
            CreateInvitation(id: "inv-open", publicKey: matrixInvitationKey.publicKey.payloadKey, role: .patient, seconds: 86_400),
            by: .hospitalAdmin)
    }

    @Sendable static func registerApp(_ world: inout ContractWorld) throws {
        try world.require(RegisterApp(id: "matrix-app", name: "Matrix app", redirectURIs: ["https://app.example/cb"]), by: .systemAdmin)
    }

    @Sendable static func patientAsksForErasure(_ world: inout ContractWorld) throws {
        try world.require(RequestErasure(patient: world.address(.patient)), by: .patient)
    }

    @Sendable static func requestFromPharmacist(_ world: inout ContractWorld) throws {
        try world.require(
            RequestAccess(id: "req-pharmacy", patient: world.address(.patient), scope: .category(.prescriptions), reason: cid("repeat prescription")),
            by: .pharmacist)
    }
}

/// A signer and where they stand with the patient.
struct Participant: Sendable, CustomTestStringConvertible {
    let persona: Persona
    let grant: GrantState

    var testDescription: String { "\(persona.rawValue) (\(grant.rawValue))" }

    /// Every signing persona in every grant state a history can give them.
    static let all: [Participant] = Persona.signing.flatMap { persona in
        GrantState.allCases.filter(persona.canHold).map { Participant(persona: persona, grant: $0) }
    }
}

// MARK: - The matrix

@Suite("authorization matrix")
struct AuthorizationMatrixTests {
    @Test("the table covers every contract action once and allows each one to somebody")
    func tableCoversEveryAction() {
        let tableTypes = ActionCase.all.map(\.type)
        #expect(tableTypes.sorted() == ContractEngine.actions.map { $0.transactionType }.sorted())
        #expect(Set(tableTypes).count == tableTypes.count)
        // audit.tally is the node's alone: its service key is no signing persona, and no client
        // may record one (the node's own entries are tested in NodeRecordedTallyTests).
        let nodeOnly: Set<String> = [RecordTally.transactionType]
        for action in ActionCase.all {
            let outcomes = Participant.all.map { action.permission.allows($0.persona, $0.grant) }
            #expect(outcomes.contains(true) || nodeOnly.contains(action.type), "\(action.type) is allowed to nobody")
            #expect(outcomes.contains(false), "\(action.type) is allowed to everybody")
        }
    }

    @Test(
        "action × signer × grant state: only the table's combinations succeed; every attempt is one event by its signer; a denial changes nothing",
        arguments: ActionCase.all, Participant.all)
    func matrix(action: ActionCase, participant: Participant) throws {
        let persona = participant.persona
        var world = try ContractWorld.standard { world in
            try world.give(participant.grant, to: persona)
            try action.prepare(&world)
        }
        let before = world.state
        let eventCount = world.events.count
        let index = world.nextIndex
        let expected = action.permission.allows(persona, participant.grant)

        let outcome = try world.submit(action.body(world, persona), by: persona)
        let event = outcome.event
        let context = Comment(rawValue: "\(action.type) by \(participant.testDescription): \(event.message)")

        // One event, for this entry, naming the signer.
        #expect(world.events.count == eventCount + 1)
        #expect(event.index == index && event.time == world.time && event.action == action.type, context)
        #expect(event.actor == world.address(persona), context)
        // The signer's role; a newcomer's registration carries the role it created.
        let registered: [String: Role] = [
            RegisterPatient.transactionType: .patient, RegisterDoctor.transactionType: .doctor, AcceptInvitation.transactionType: .patient,
        ]
        #expect(event.actorRole == (persona.role ?? (expected ? registered[action.type] : nil)), context)
        #expect(event.outcome == (expected ? .allowed : .denied), context)
        #expect(event.message.hasPrefix("Denied: ") == !expected, context)
        if action.targetsPrescription {
            #expect(event.record == ContractWorld.prescription, context)
            #expect(event.patient == world.address(.patient), context)
        }
        let usedBreakGlass = expected && participant.grant == .breakGlass && action.flagsBreakGlassUse
        #expect(event.breakGlass == (action.type == OpenBreakGlass.transactionType || usedBreakGlass), context)

        // Reads answer when allowed; nothing else answers.
        let isRead = ContractEngine.readTypes.contains(action.type)
        #expect((outcome.answer != nil) == (expected && isRead), context)

        // A denial leaves the state exactly as it was; an allowed write changes it; an allowed read
        // changes nothing but the one-time grant it consumes.
        // (Compared outside #expect so a failure does not print two whole states.)
        if !expected || action.type == ReportContentFailure.transactionType {
            // A report of unreadable content only adds its event, allowed or not.
            let unchanged = world.state == before
            #expect(unchanged, context)
        } else if !isRead {
            let changed = world.state != before
            #expect(changed, context)
        } else if action.isRecordRead, participant.grant == .oneTime {
            var consumed = try #require(before.grants[ContractWorld.signerGrant])
            consumed.status = .consumed
            var expectedState = before
            expectedState.save(consumed)
            let onlyConsumed = world.state == expectedState
            #expect(onlyConsumed, context)
        } else {
            let unchanged = world.state == before
            #expect(unchanged, context)
        }
    }
}

// MARK: - Grant lifecycle

/// The four ways to read a record's content.
private let recordReads: [any RecordRead] = [ViewRecord(record: rx), CopyRecord(record: rx), PrintRecord(record: rx), DownloadRecord(record: rx)]

@Suite("record access lifecycle")
struct RecordAccessLifecycleTests {
    static let rx = ContractWorld.prescription

    @Test("a one-time grant is consumed by the first read, whichever kind; the second read is denied", arguments: recordReads)
    func oneTimeGrantConsumed(read: any RecordRead) throws {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-once", grantee: world.address(.doctor), scope: .record(Self.rx), oneTime: true), by: .patient)
        // A one-time grant never lets the doctor change the record, even before it is used.
        let change = try world.submit(UpdateRecord(record: Self.rx, content: cid("v2"), baseVersion: 1), by: .doctor)
        #expect(!change.allowed)
        #expect(change.event.message.contains("no active grant"))

        let first = try world.submit(read, by: .doctor)
        #expect(first.allowed, "\(first.event.message)")
        #expect(world.state.grants["g-once"]?.status == .consumed)
        guard case .record(let record, let version)? = first.answer else {
            Issue.record("a read answers with the record")
            return
        }
        #expect(record.id == Self.rx && version.number == 1)

        let before = world.state
        let second = try world.submit(ViewRecord(record: Self.rx), by: .doctor)
        #expect(!second.allowed)
        #expect(second.event.message.contains("no active grant covers this record"))
        let unchanged = world.state == before
        #expect(unchanged)
        // A used grant cannot be revoked any more; the patient sees it as consumed.
        let revoke = try world.submit(RevokeGrant(grant: "g-once"), by: .patient)
        #expect(!revoke.allowed && revoke.event.message.contains("consumed"))
    }

    @Test("a reusable grant is preferred over a one-time grant, which stays unused")
    func reusableGrantPreferred() throws {
        var world = try ContractWorld.standard()
        let doctor = world.address(.doctor)
        try world.require(CreateGrant(id: "g-once", grantee: doctor, scope: .record(Self.rx), oneTime: true), by: .patient)
        try world.require(CreateGrant(id: "g-lasting", grantee: doctor, scope: .category(.prescriptions)), by: .patient)
        for _ in 0..<3 { try world.require(ViewRecord(record: Self.rx), by: .doctor) }
        #expect(world.state.grants["g-once"]?.status == .active)
        #expect(world.state.grants["g-lasting"]?.status == .active)
    }

    @Test("a grant applies until the millisecond before its expiry, not at it")
    func grantExpiry() throws {
        var world = try ContractWorld.standard()
        let expires = world.time + 3_600_000
        try world.require(CreateGrant(id: "g-hour", grantee: world.address(.pharmacist), scope: .record(Self.rx), expires: expires), by: .patient)
        world.time = expires - 1
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed)
        world.time = expires
        let late = try world.submit(ViewRecord(record: Self.rx), by: .pharmacist)
        #expect(!late.allowed)
        #expect(late.event.record == Self.rx)
        #expect(!(try world.submit(DispensePrescription(record: Self.rx), by: .pharmacist).allowed))
    }

    @Test("grant expiries are bounded by the system parameters")
    func grantExpiryBounds() throws {
        var world = try ContractWorld.standard()
        let doctor = world.address(.doctor)
        let max = SystemParameters.defaults.maxGrantSeconds * 1000
        #expect(!(try world.submit(CreateGrant(id: "g-past", grantee: doctor, scope: .all, expires: world.time), by: .patient).allowed))
        #expect(!(try world.submit(CreateGrant(id: "g-long", grantee: doctor, scope: .all, expires: world.time + max + 1), by: .patient).allowed))
        #expect(try world.submit(CreateGrant(id: "g-max", grantee: doctor, scope: .all, expires: world.time + max), by: .patient).allowed)
        let defaulted = try world.require(CreateGrant(id: "g-default", grantee: doctor, scope: .all), by: .patient)
        #expect(world.state.grants["g-default"]?.expires == defaulted.event.time + SystemParameters.defaults.defaultGrantSeconds * 1000)
    }

    @Test("revoking a grant stops it at once and only it")
    func revocation() throws {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(CreateGrant(id: "g-pharmacy", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .doctor).allowed)
        // Only the patient who gave it may revoke it.
        #expect(!(try world.submit(RevokeGrant(grant: "g-doctor"), by: .secondPatient).allowed))
        #expect(!(try world.submit(RevokeGrant(grant: "g-doctor"), by: .doctor).allowed))
        let revoke = try world.require(RevokeGrant(grant: "g-doctor"), by: .patient)
        #expect(revoke.event.doctor == world.address(.doctor) && revoke.event.patient == world.address(.patient))
        let denied = try world.submit(ViewRecord(record: Self.rx), by: .doctor)
        #expect(!denied.allowed && denied.event.record == Self.rx)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed)
        #expect(!(try world.submit(RevokeGrant(grant: "g-doctor"), by: .patient).allowed))
    }

    @Test("break-glass lets a doctor in without a grant, flags every use, and ends after its length")
    func breakGlass() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .doctor).allowed))
        // Only verified doctors may break the glass.
        for persona in [Persona.pharmacist, .management, .auditor, .suspendedDoctor, .systemAdmin] {
            let attempt = try world.submit(OpenBreakGlass(id: "bg-\(persona.rawValue)", patient: patient, justification: cid("why")), by: persona)
            #expect(!attempt.allowed, "\(persona)")
            #expect(attempt.event.breakGlass && attempt.event.patient == patient)
        }
        let open = try world.require(OpenBreakGlass(id: "bg-1", patient: patient, justification: cid("unconscious")), by: .doctor)
        #expect(open.event.breakGlass && open.event.status == .emergency && open.event.patient == patient)
        let opened = try #require(world.state.breakGlass["bg-1"])
        #expect(opened.expires == opened.opened + SystemParameters.defaults.breakGlassSeconds * 1000)

        let view = try world.submit(ViewRecord(record: Self.rx), by: .doctor)
        #expect(view.allowed && view.event.breakGlass)
        #expect(view.event.message.contains("under break-glass access"))
        let note = try world.submit(CreateRecord(id: "er-note", patient: patient, category: .visitNotes, content: cid("er")), by: .doctor)
        #expect(note.allowed && note.event.breakGlass)
        let change = try world.submit(UpdateRecord(record: Self.rx, content: cid("v2"), baseVersion: 1), by: .doctor)
        #expect(change.allowed && change.event.breakGlass)
        // Another doctor gains nothing from it.
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .pendingDoctor).allowed))

        world.time = opened.expires
        let late = try world.submit(ViewRecord(record: Self.rx, version: 1), by: .doctor)
        #expect(!late.allowed && !late.event.breakGlass)
        // The version the doctor wrote under break-glass stays readable to them, unflagged.
        let own = try world.submit(ViewRecord(record: Self.rx, version: 2), by: .doctor)
        #expect(own.allowed && !own.event.breakGlass)
    }

    @Test("uses through a grant are not flagged even while break-glass is open")
    func grantUseNotFlagged() throws {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(OpenBreakGlass(id: "bg-1", patient: world.address(.patient), justification: cid("why")), by: .doctor)
        let view = try world.require(ViewRecord(record: Self.rx), by: .doctor)
        #expect(!view.event.breakGlass)
        let note = try world.require(CreateRecord(id: "note-2", patient: world.address(.patient), category: .visitNotes, content: cid("n")), by: .doctor)
        #expect(!note.event.breakGlass)
    }

    @Test("an auditor may open a record only after the node recorded a failed tally check of it for them")
    func auditorNeedsFailedTally() throws {
        var world = try ContractWorld.standard(tally: false)
        try world.require(CreateGrant(id: "g-audit", grantee: world.address(.auditor), scope: .all), by: .patient)
        let early = try world.submit(ViewRecord(record: Self.rx), by: .auditor)
        #expect(!early.allowed && early.event.message.contains("failed tally check"))
        // The trail itself needs no tally.
        #expect(try world.submit(QueryTrail(record: Self.rx), by: .auditor).allowed)
        // Sign-off needs a tally first.
        #expect(!(try world.submit(SignOffTrail(record: Self.rx, decision: .approve), by: .auditor).allowed))

        try world.recordTally(of: Self.rx, for: .auditor, result: .tallies)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed))
        #expect(try world.submit(SignOffTrail(record: Self.rx, decision: .approve), by: .auditor).allowed)

        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        #expect(world.state.records[Self.rx]?.tally(by: world.address(.auditor))?.result == .discrepancy)
        #expect(!(try world.submit(SignOffTrail(record: Self.rx, decision: .approve), by: .auditor).allowed))
        #expect(try world.submit(SignOffTrail(record: Self.rx, decision: .flag), by: .auditor).allowed)
        let open = try world.submit(ViewRecord(record: Self.rx), by: .auditor)
        #expect(open.allowed, "\(open.event.message)")
        #expect(open.event.auditor == world.address(.auditor))

        // A failed tally is no substitute for the patient's grant.
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .reviewer).allowed))
        try world.recordTally(of: Self.rx, for: .reviewer, result: .discrepancy)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .reviewer).allowed)
        try world.require(RevokeGrant(grant: ContractWorld.reviewerGrant), by: .patient)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .reviewer).allowed))
    }

    @Test("patients change and delete the documents they added, not those their doctors wrote")
    func patientDocuments() throws {
        var world = try ContractWorld.standard()
        try world.require(AddDocument(id: "doc-scan", category: .medicalHistory, content: cid("scan v1")), by: .patient)
        let update = try world.submit(UpdateRecord(record: "doc-scan", content: cid("scan v2"), baseVersion: 1), by: .patient)
        #expect(update.allowed && update.event.version == 2)
        // A stale base version is refused.
        #expect(!(try world.submit(UpdateRecord(record: "doc-scan", content: cid("scan v3"), baseVersion: 1), by: .patient).allowed))
        #expect(try world.submit(DeleteRecord(record: "doc-scan"), by: .patient).allowed)
        #expect(world.state.records["doc-scan"]?.versions.count == 2)
        #expect(world.state.records["doc-scan"]?.deleted?.by == world.address(.patient))
        // Another patient cannot touch it.
        #expect(!(try world.submit(ViewRecord(record: "doc-scan"), by: .secondPatient).allowed))

        #expect(!(try world.submit(UpdateRecord(record: Self.rx, content: cid("v2"), baseVersion: 1), by: .patient).allowed))
        #expect(!(try world.submit(DeleteRecord(record: Self.rx), by: .patient).allowed))
    }

    @Test("a deleted record stays readable to its patient and auditors, not to doctors or pharmacies")
    func deletedRecord() throws {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-doctor", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(CreateGrant(id: "g-pharmacy", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        try world.require(CreateGrant(id: "g-audit", grantee: world.address(.auditor), scope: .all), by: .patient)
        try world.recordTally(of: Self.rx, for: .auditor, result: .discrepancy)
        try world.require(DeleteRecord(record: Self.rx), by: .doctor)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .doctor).allowed))
        #expect(!(try world.submit(UpdateRecord(record: Self.rx, content: cid("v2"), baseVersion: 1), by: .doctor).allowed))
        #expect(!(try world.submit(DeleteRecord(record: Self.rx), by: .doctor).allowed))
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed))
        #expect(!(try world.submit(DispensePrescription(record: Self.rx), by: .pharmacist).allowed))
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .patient).allowed)
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .auditor).allowed)
        // Listing hides it from the doctor, not from the patient or the auditor.
        let patientList = try world.require(ListRecords(patient: world.address(.patient)), by: .patient)
        let doctorList = try world.require(ListRecords(patient: world.address(.patient)), by: .doctor)
        let auditorList = try world.require(ListRecords(patient: world.address(.patient)), by: .auditor)
        #expect(recordIDs(patientList) == [Self.rx])
        #expect(recordIDs(doctorList) == [])
        #expect(recordIDs(auditorList) == [Self.rx])
    }

    @Test("a prescription is dispensed once, only by a pharmacy, only if it is a prescription")
    func dispensing() throws {
        var world = try ContractWorld.standard()
        try world.require(AddDocument(id: "doc-history", category: .medicalHistory, content: cid("history")), by: .patient)
        try world.require(CreateGrant(id: "g-pharmacy", grantee: world.address(.pharmacist), scope: .category(.prescriptions)), by: .patient)
        try world.require(CreateGrant(id: "g-mgmt", grantee: world.address(.management), scope: .category(.prescriptions)), by: .patient)
        #expect(!(try world.submit(DispensePrescription(record: Self.rx), by: .management).allowed))
        let dispense = try world.require(DispensePrescription(record: Self.rx), by: .pharmacist)
        #expect(dispense.event.status == .dispensed)
        #expect(world.state.records[Self.rx]?.dispensed?.by == world.address(.pharmacist))
        let again = try world.submit(DispensePrescription(record: Self.rx), by: .pharmacist)
        #expect(!again.allowed && again.event.message.contains("already dispensed"))
        let notPrescription = try world.submit(DispensePrescription(record: "doc-history"), by: .pharmacist)
        #expect(!notPrescription.allowed && notPrescription.event.message.contains("not a prescription"))
    }

    @Test("scopes limit what pharmacies and hospital management may be given and may read")
    func scopesByRole() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(AddDocument(id: "doc-history", category: .medicalHistory, content: cid("history")), by: .patient)
        #expect(!(try world.submit(CreateGrant(id: "g-1", grantee: world.address(.pharmacist), scope: .all), by: .patient).allowed))
        #expect(!(try world.submit(CreateGrant(id: "g-2", grantee: world.address(.pharmacist), scope: .category(.labResults)), by: .patient).allowed))
        #expect(!(try world.submit(CreateGrant(id: "g-3", grantee: world.address(.management), scope: .record("doc-history")), by: .patient).allowed))
        #expect(try world.submit(CreateGrant(id: "g-4", grantee: world.address(.management), scope: .category(.labResults)), by: .patient).allowed)
        // Grants go only to active doctors, auditors, management and pharmacies.
        for persona in [Persona.secondPatient, .systemAdmin, .pendingDoctor, .suspendedDoctor, .newcomer] {
            #expect(!(try world.submit(CreateGrant(id: "g-\(persona.rawValue)", grantee: world.address(persona), scope: .all), by: .patient).allowed), "\(persona)")
        }
        // A grant scoped to a record of another patient is refused.
        #expect(!(try world.submit(CreateGrant(id: "g-5", grantee: world.address(.doctor), scope: .record(Self.rx)), by: .secondPatient).allowed))
        // Requests follow the same limits.
        #expect(!(try world.submit(RequestAccess(id: "r-1", patient: patient, scope: .all, reason: cid("r")), by: .pharmacist).allowed))
        #expect(try world.submit(RequestAccess(id: "r-2", patient: patient, scope: .all, reason: cid("r")), by: .doctor).allowed)
    }

    @Test("approving a request creates the requested grant; a decided request cannot be decided again")
    func requestApproval() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let request = try world.require(RequestAccess(id: "r-1", patient: patient, scope: .record(Self.rx), reason: cid("refill")), by: .pharmacist)
        #expect(request.event.record == Self.rx && request.event.patient == patient)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed))
        #expect(!(try world.submit(ApproveAccessRequest(request: "r-1", grant: "g-r1"), by: .secondPatient).allowed))
        // The approval gives access to the record, so it belongs on the record's trail like the request.
        let approval = try world.require(ApproveAccessRequest(request: "r-1", grant: "g-r1", oneTime: true), by: .patient)
        #expect(approval.event.record == Self.rx && approval.event.patient == patient)
        let grant = try #require(world.state.grants["g-r1"])
        #expect(grant.grantee == world.address(.pharmacist) && grant.scope == .record(Self.rx) && grant.oneTime && grant.request == "r-1")
        #expect(world.state.accessRequests["r-1"]?.status == .approved)
        #expect(!(try world.submit(DenyAccessRequest(request: "r-1"), by: .patient).allowed))
        #expect(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed)
        #expect(!(try world.submit(ViewRecord(record: Self.rx), by: .pharmacist).allowed))
    }

    @Test("an organization's administrator administers only its own members")
    func organizationAdminLimits() throws {
        var world = try ContractWorld.standard()
        // Pharmacy staff and auditors are outside the hospital administrator's reach.
        let pharmacyStaff = CreateAccount(publicKey: world.publicKey(.newStaff), role: .pharmacy, displayName: "P", organization: ContractWorld.pharmacy)
        #expect(!(try world.submit(pharmacyStaff, by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(CreateAccount(publicKey: world.publicKey(.newStaff), role: .auditor, displayName: "A"), by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(SuspendAccount(account: world.address(.pharmacist)), by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(SuspendAccount(account: world.address(.patient)), by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(SuspendAccount(account: world.address(.systemAdmin)), by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(SuspendAccount(account: world.address(.hospitalAdmin)), by: .hospitalAdmin).allowed))
        // A doctor without an organization is the system administrator's to verify.
        try world.require(RegisterDoctor(displayName: "Dr Free", speciality: "GP", licence: "L-1", certificate: cid("free cert")), by: .newcomer)
        let verify = VerifyDoctor(doctor: world.address(.newcomer), decision: .approve, certificate: cid("free cert"))
        #expect(!(try world.submit(verify, by: .hospitalAdmin).allowed))
        #expect(try world.submit(verify, by: .systemAdmin).allowed)
        // The certificate checked must be the one submitted.
        #expect(!(try world.submit(VerifyDoctor(doctor: world.address(.pendingDoctor), decision: .approve, certificate: cid("forged")), by: .hospitalAdmin).allowed))
    }

    @Test("suspension stops an account until reactivation restores its earlier status")
    func suspensionRoundTrip() throws {
        var world = try ContractWorld.standard()
        try world.require(SuspendAccount(account: world.address(.pendingDoctor)), by: .hospitalAdmin)
        try world.require(ReactivateAccount(account: world.address(.pendingDoctor)), by: .hospitalAdmin)
        #expect(world.account(.pendingDoctor)?.status == .pending)
        try world.require(ReactivateAccount(account: world.address(.suspendedDoctor)), by: .systemAdmin)
        #expect(world.account(.suspendedDoctor)?.status == .active)
        #expect(try world.submit(ListAppointments(), by: .suspendedDoctor).allowed)
        // A removed administrator is removed for good.
        try world.require(RemoveAdmin(account: world.address(.hospitalAdmin)), by: .systemAdmin)
        #expect(!(try world.submit(ReactivateAccount(account: world.address(.hospitalAdmin)), by: .systemAdmin).allowed))
        #expect(!(try world.submit(SuspendAccount(account: world.address(.doctor)), by: .hospitalAdmin).allowed))
        #expect(!(try world.submit(RemoveAdmin(account: world.address(.systemAdmin)), by: .systemAdmin).allowed))
    }
}

private func recordIDs(_ outcome: ContractOutcome) -> [String]? {
    guard case .records(let records)? = outcome.answer else { return nil }
    return records.map(\.id)
}
