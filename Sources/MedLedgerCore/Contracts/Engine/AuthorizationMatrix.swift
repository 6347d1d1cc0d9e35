/// Who may do what: for every contract action, the outcome for every kind of signer in every
/// state of their grant from a patient. This table is the contracts' own: ``ContractEngine``
/// refuses any action to an account whose role no cell of the action's row allows, before the
/// action's detailed rule can allow it, and the authorization matrix test sends every cell through
/// the HTTP API against a real node. docs/CONTRACTS.md publishes it (``markdown()``).
///
/// Each row is aimed at one patient's objects (their records, profile, appointments, requests):
/// "patient" is that patient, "other patient" any other. Changing a cell is changing one set.
public enum AuthorizationMatrix {
    /// A kind of signer, relative to the patient the action is about.
    public enum Actor: String, CaseIterable, Sendable, Hashable {
        /// The patient whose objects the action names.
        case patient
        /// A different patient.
        case otherPatient = "other patient"
        /// A verified doctor of a hospital.
        case doctor
        case auditor
        /// Hospital-management staff of the hospital.
        case hospitalManagement = "hospital mgmt"
        /// Pharmacy staff.
        case pharmacy
        /// A system administrator (no organization).
        case systemAdmin = "system admin"
        /// The administrator of the doctor's and the staff's hospital.
        case organizationAdmin = "org admin"
        /// A key with no account.
        case noAccount = "no account"

        /// The account role this actor signs with; nil for a key with no account.
        public var role: Role? {
            switch self {
            case .patient, .otherPatient: .patient
            case .doctor: .doctor
            case .auditor: .auditor
            case .hospitalManagement: .hospitalManagement
            case .pharmacy: .pharmacy
            case .systemAdmin, .organizationAdmin: .admin
            case .noAccount: nil
            }
        }
    }

    /// Where the signer stands with the patient before the attempt.
    public enum GrantState: String, CaseIterable, Sendable, Hashable {
        /// No grant, no break-glass access.
        case none
        /// A reusable grant of all records.
        case allRecords = "all records"
        /// A reusable grant of the one record the action names.
        case oneRecord = "one record"
        /// A reusable grant of the record's category (prescriptions).
        case category
        /// A one-time grant of the record, not used yet.
        case oneTimeUnused = "one-time unused"
        /// A one-time grant of the record, consumed by an earlier read.
        case oneTimeUsed = "one-time used"
        /// A grant of the category whose expiry has passed.
        case expired
        /// A grant of the category the patient revoked.
        case revoked
        /// No grant; break-glass access the doctor opened.
        case breakGlass = "break-glass"
        /// A grant of the category where the signer's role can hold one, and then the patient's
        /// erasure was confirmed.
        case erasedPatient = "erased patient"

        /// True when a history can put `actor` in this state: only grantable roles hold grants,
        /// pharmacies and hospital management never all records, only doctors open break-glass.
        public func applies(to actor: Actor) -> Bool {
            switch self {
            case .none: true
            case .erasedPatient: actor != .noAccount
            case .breakGlass: actor == .doctor
            case .allRecords: actor == .doctor || actor == .auditor
            case .oneRecord, .category, .oneTimeUnused, .oneTimeUsed, .expired, .revoked:
                [.doctor, .auditor, .hospitalManagement, .pharmacy].contains(actor)
            }
        }
    }

    /// One action's row: who is allowed, in which grant states.
    public struct Rule: Sendable {
        /// True when the outcome depends on the signer's grant state (record reads and changes,
        /// the patient's profile, trails); other rows are decided by role alone.
        public var dependsOnGrant: Bool
        /// Allowed in every grant state while the patient is not erased.
        public var always: Set<Actor>
        /// Allowed in these grant states only.
        public var withGrant: [Actor: Set<GrantState>]
        /// Still allowed after the patient's erasure.
        public var afterErasure: Set<Actor>
        /// Roles the action allows on objects other than a patient's (their own session, their own
        /// documents, a professional's profile): the engine's role gate lets them through too.
        public var elsewhere: Set<Role>

        init(
            dependsOnGrant: Bool = false, always: Set<Actor>, withGrant: [Actor: Set<GrantState>] = [:], afterErasure: Set<Actor> = [],
            elsewhere: Set<Role> = []
        ) {
            self.dependsOnGrant = dependsOnGrant
            self.always = always
            self.withGrant = withGrant
            self.afterErasure = afterErasure
            self.elsewhere = elsewhere
        }

        /// A row decided by role alone.
        static func only(_ actors: Set<Actor>, elsewhere: Set<Role> = []) -> Rule { Rule(always: actors, elsewhere: elsewhere) }

        /// A row whose outcome depends on the grant state.
        static func byGrant(
            always: Set<Actor> = [], _ withGrant: [Actor: Set<GrantState>], afterErasure: Set<Actor> = [], elsewhere: Set<Role> = []
        ) -> Rule {
            Rule(dependsOnGrant: true, always: always, withGrant: withGrant, afterErasure: afterErasure, elsewhere: elsewhere)
        }

        /// The grant states this row distinguishes: all of them, or just ``GrantState/none``.
        public var states: [GrantState] { dependsOnGrant ? GrantState.allCases : [.none] }

        /// True when `actor` in `state` is allowed; nil when no history puts `actor` in `state`
        /// or the row does not distinguish `state`.
        public func allows(_ actor: Actor, in state: GrantState) -> Bool? {
            guard state.applies(to: actor), states.contains(state) else { return nil }
            if state == .erasedPatient { return afterErasure.contains(actor) }
            return always.contains(actor) || withGrant[actor]?.contains(state) == true
        }

        /// Every role some cell of this row allows.
        public var roles: Set<Role> {
            var roles = elsewhere
            for actor in Actor.allCases {
                guard let role = actor.role else { continue }
                if always.contains(actor) || afterErasure.contains(actor) || withGrant[actor]?.isEmpty == false { roles.insert(role) }
            }
            return roles
        }
    }

    // MARK: The table

    /// Every active account.
    static let active: Set<Actor> = [.patient, .otherPatient, .doctor, .auditor, .hospitalManagement, .pharmacy, .systemAdmin, .organizationAdmin]
    /// A grant in force covering the record (reusable or one-time not yet used).
    static let inForce: Set<GrantState> = [.allRecords, .oneRecord, .category, .oneTimeUnused]
    /// What lets a doctor read: a grant in force or break-glass.
    static let clinicalRead: Set<GrantState> = inForce.union([.breakGlass])
    /// What lets a doctor change a record: a reusable grant or break-glass.
    static let clinicalChange: Set<GrantState> = [.allRecords, .oneRecord, .category, .breakGlass]
    /// The record read rule (``ContractState/readAccess(to:version:by:at:)``); auditors after their own failed
    /// tally check, recorded by the node (the matrix records one in every state where a grant covers).
    /// The matrix's record is written by another doctor: its author's own reads (allowed without a
    /// grant, for the versions they wrote) are not a cell of this table.
    static let read = Rule.byGrant(
        always: [.patient],
        [.doctor: clinicalRead, .auditor: inForce, .hospitalManagement: inForce, .pharmacy: inForce])

    /// The rows, by transaction type.
    public static let rules: [String: Rule] = [
        // Administration
        CreateOrganization.transactionType: .only([.systemAdmin]),
        AddAdmin.transactionType: .only([.systemAdmin]),
        RemoveAdmin.transactionType: .only([.systemAdmin]),
        CreateAccount.transactionType: .only([.systemAdmin, .organizationAdmin]),
        VerifyDoctor.transactionType: .only([.systemAdmin, .organizationAdmin]),
        SuspendAccount.transactionType: .only([.systemAdmin, .organizationAdmin]),
        ReactivateAccount.transactionType: .only([.systemAdmin, .organizationAdmin]),
        SetParameters.transactionType: .only([.systemAdmin]),
        // Invitations: admins invite within their reach (ContractState.invitationOrganization); a
        // key without an account accepts one with a proof made with the invitation's key.
        CreateInvitation.transactionType: .only([.systemAdmin, .organizationAdmin]),
        RevokeInvitation.transactionType: .only([.systemAdmin, .organizationAdmin]),
        AcceptInvitation.transactionType: .only([.noAccount]),
        // Registration and profiles
        RegisterPatient.transactionType: .only([.noAccount]),
        RegisterDoctor.transactionType: .only([.noAccount]),
        UpdateProfile.transactionType: .only(active),
        // A verified doctor's own licence facts, held for an administrator (ChangeLicence).
        ChangeLicence.transactionType: .only([.doctor]),
        ViewProfile.transactionType: .byGrant(
            always: [.patient],
            [.doctor: clinicalRead, .auditor: inForce, .hospitalManagement: inForce, .pharmacy: inForce],
            elsewhere: Set(Role.allCases)),
        // Side documents. The row is the matrix's case, a break-glass justification another doctor
        // wrote; the doctor who opened an access, an appointment's doctor (symptoms) and the
        // sender of an access request (reason) read theirs too (ViewDocument).
        ViewDocument.transactionType: .byGrant(
            always: [.patient], [.auditor: inForce], elsewhere: [.doctor, .hospitalManagement, .pharmacy]),
        // Erasure
        RequestErasure.transactionType: .only([.patient]),
        WithdrawErasure.transactionType: .only([.patient]),
        ConfirmErasure.transactionType: .only([.systemAdmin]),
        DeclineErasure.transactionType: .only([.systemAdmin]),
        // Appointments
        BookAppointment.transactionType: .only([.patient, .otherPatient]),
        CancelAppointment.transactionType: .only([.patient]),
        DeleteAppointment.transactionType: .only([.patient]),
        AcceptAppointment.transactionType: .only([.doctor]),
        DeclineAppointment.transactionType: .only([.doctor]),
        CompleteAppointment.transactionType: .only([.doctor]),
        // Access
        CreateGrant.transactionType: .only([.patient, .otherPatient]),
        RevokeGrant.transactionType: .only([.patient]),
        RequestAccess.transactionType: .only([.doctor, .hospitalManagement, .pharmacy]),
        ApproveAccessRequest.transactionType: .only([.patient]),
        DenyAccessRequest.transactionType: .only([.patient]),
        OpenBreakGlass.transactionType: .only([.doctor]),
        // Records
        CreateRecord.transactionType: .byGrant([.doctor: clinicalRead]),
        AddDocument.transactionType: .only([.patient, .otherPatient]),
        UpdateRecord.transactionType: .byGrant([.doctor: clinicalChange], elsewhere: [.patient]),
        DeleteRecord.transactionType: .byGrant([.doctor: clinicalChange], elsewhere: [.patient]),
        ViewRecord.transactionType: read,
        CopyRecord.transactionType: read,
        PrintRecord.transactionType: read,
        DownloadRecord.transactionType: read,
        ReportContentFailure.transactionType: Rule(
            dependsOnGrant: true, always: read.always, withGrant: read.withGrant, elsewhere: Set(Role.allCases)),
        DispensePrescription.transactionType: .byGrant([.pharmacy: inForce]),
        // Audit
        QueryTrail.transactionType: .byGrant(always: [.patient], [.auditor: inForce], afterErasure: [.auditor]),
        // Recorded by the node's service key only (it runs the check); every client is refused.
        RecordTally.transactionType: .only([]),
        SignOffTrail.transactionType: .byGrant([.auditor: inForce]),
        QueryEvents.transactionType: .byGrant(
            always: [.patient, .doctor, .hospitalManagement, .pharmacy, .systemAdmin, .organizationAdmin], [.auditor: inForce],
            afterErasure: [.doctor, .auditor, .hospitalManagement, .pharmacy, .systemAdmin, .organizationAdmin]),
        // Lists and lookups
        ListRecords.transactionType: .byGrant(
            always: [.patient], [.doctor: clinicalRead, .auditor: inForce, .hospitalManagement: inForce, .pharmacy: inForce]),
        ListAppointments.transactionType: .only([.patient, .otherPatient, .doctor]),
        ListGrants.transactionType: .only([.patient, .otherPatient, .doctor, .auditor, .hospitalManagement, .pharmacy]),
        ListAccessRequests.transactionType: .only([.patient, .otherPatient, .doctor, .hospitalManagement, .pharmacy]),
        ListAccounts.transactionType: .only(active),
        ListErasureRequests.transactionType: .only([.patient, .otherPatient, .systemAdmin, .organizationAdmin]),
        ListOrganizations.transactionType: .only(active),
        ListInvitations.transactionType: .only([.systemAdmin, .organizationAdmin]),
        LookUpPatient.transactionType: .byGrant(
            always: [.doctor, .hospitalManagement, .pharmacy], [:], afterErasure: [.doctor, .hospitalManagement, .pharmacy]),
        // Directory and names
        SearchDirectory.transactionType: .only(active),
        ListHospitalPatients.transactionType: .only([.hospitalManagement]),
        // The names a reader may see are those the profile rule lets them read (``ViewProfile``);
        // patients they may not see are left out of the answer, never refused.
        ViewNames.transactionType: .only([.patient, .otherPatient, .doctor, .auditor, .hospitalManagement, .pharmacy]),
        // A page view is open to every account; each of its reads is then decided by its own row
        // and rule (PageView), so the row of the reads, not this one, says what a page may show.
        PageView.transactionType: .only(active),
        // Sessions
        OpenSession.transactionType: .only(active),
        CloseSession.transactionType: .only([.patient], elsewhere: Set(Role.allCases)),
        // SMART apps: registered by a system administrator; every account lists them and its own
        // authorisations.
        RegisterApp.transactionType: .only([.systemAdmin]),
        RetireApp.transactionType: .only([.systemAdmin]),
        ListApps.transactionType: .only(active),
        ListAppSessions.transactionType: .only(active),
    ]

    /// The row of `type`; nil for a type that is not a contract action.
    public static func rule(for type: String) -> Rule? { rules[type] }

    /// The roles that may ever do `type`: the engine refuses the others.
    static let rolesByType: [String: Set<Role>] = rules.mapValues(\.roles)

    /// True when some cell of `type`'s row allows an account of `role` (false for a type the table
    /// does not list, so a new action is refused to everyone until its row is written).
    public static func permits(_ role: Role, _ type: String) -> Bool {
        rolesByType[type]?.contains(role) ?? false
    }

    /// Actions only the node's own service key signs (named by the genesis entry): no client, of
    /// any role, may sign them, so their rows allow nobody.
    public static let nodeOnly: Set<String> = [RecordTally.transactionType]

    /// True when a key without an account may ever do `type` (registrations).
    public static func permitsWithoutAccount(_ type: String) -> Bool {
        rules[type]?.always.contains(.noAccount) ?? false
    }

    // MARK: Publishing

    /// The table as Markdown, in ``ContractEngine/actions`` order: first the actions decided by
    /// role alone, then each grant-dependent action with one line per grant state. docs/CONTRACTS.md
    /// carries exactly this text (a test compares them); `medledger contracts matrix --markdown` prints it.
    public static func markdown() -> String {
        let actors = Actor.allCases
        let header = "| " + actors.map(\.rawValue).joined(separator: " | ") + " |"
        let dashes = actors.map { _ in "---" }.joined(separator: " | ") + " |"
        var lines = [
            "`yes`: allowed; `no`: denied (and audited); `n/a`: no history puts that signer in that grant state.",
            "",
            "Decided by role alone (the grant state does not change the outcome):",
            "",
            "| action " + header,
            "| --- | " + dashes,
        ]
        let types = ContractEngine.actions.map { $0.transactionType }
        for type in types {
            guard let row = rules[type], !row.dependsOnGrant else { continue }
            lines.append("| `\(type)` | " + actors.map { cell(row.allows($0, in: .none)) }.joined(separator: " | ") + " |")
        }
        let elsewhere = types.compactMap { type -> String? in
            guard let row = rules[type], !row.elsewhere.isEmpty else { return nil }
            return "`\(type)`: " + Role.allCases.filter(row.elsewhere.contains).map(\.rawValue).joined(separator: ", ")
        }
        lines += ["", "Also allowed on objects other than the patient's (their own session or documents, a side document they wrote or that was "
            + "written for them, a professional's profile, "
            + "a profile's or certificate's content failure), by role: " + elsewhere.joined(separator: "; ") + "."]
        lines += ["", "Decided by the grant state (grants from the patient to the signer; record actions name a prescription):", ""]
        lines.append("| action | grant state " + header)
        lines.append("| --- | --- | " + dashes)
        for type in types {
            guard let row = rules[type], row.dependsOnGrant else { continue }
            for state in row.states {
                lines.append("| `\(type)` | \(state.rawValue) | " + actors.map { cell(row.allows($0, in: state)) }.joined(separator: " | ") + " |")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func cell(_ allowed: Bool?) -> String {
        switch allowed {
        case true?: "yes"
        case false?: "no"
        case nil: "n/a"
        }
    }
}
