/// Why an account acted on a patient's records, as an accounting of disclosures states it.
///
/// The ledger does not ask a reader for a purpose: the contracts only let an account touch a
/// patient's records on one basis per role (a grant, break-glass, an administrator's office), so
/// the purpose follows from the event alone. Deriving it here, in one pure function, keeps the
/// patient's page, the CSV export and any later report saying the same thing about the same event.
public enum DisclosurePurpose: String, Codable, Sendable, CaseIterable {
    /// A doctor caring for the patient, under the patient's grant (or, to write a record, an
    /// appointment with them).
    case treatment
    /// A doctor acting under break-glass emergency access (and the opening of that access).
    case emergency
    /// An auditor checking the records, under the patient's grant to that auditor.
    case audit
    /// A pharmacy reading or dispensing prescriptions, under the patient's grant.
    case dispensing
    /// Hospital management, under the patient's grant to the hospital.
    case hospitalAdministration = "hospital_administration"
    /// An administrator running the system (accounts, erasure, searching the audit log). The
    /// contracts never let an administrator read record content.
    case systemAdministration = "system_administration"
    /// The patient themselves. Left out of the accounting of disclosures, shown on the full trail.
    case ownAccess = "own_access"
    /// An account that has no basis to act on this patient's records: another patient, or a key
    /// with no account. Such attempts are denied; they are listed so the patient sees them.
    case noBasis = "no_basis"

    /// The purpose of `event`. Break-glass comes first, because emergency access is what the
    /// patient most needs to see whoever used it; then the actor's role decides.
    public static func of(_ event: AuditEvent) -> DisclosurePurpose {
        if event.breakGlass { return .emergency }
        switch event.actorRole {
        case .doctor: return .treatment
        case .auditor: return .audit
        case .pharmacy: return .dispensing
        case .hospitalManagement: return .hospitalAdministration
        case .admin: return .systemAdministration
        case .patient: return event.patient == nil || event.patient == event.actor ? .ownAccess : .noBasis
        case nil:
            // The node's own record of a tally check it ran for an auditor (only the node's key can
            // have it allowed) serves that auditor's audit.
            let nodeTally = event.action == RecordTally.transactionType && event.outcome == .allowed && event.auditor != nil
            return nodeTally ? .audit : .noBasis
        }
    }

    /// A short name for the purpose, for a table column.
    public var title: String {
        switch self {
        case .treatment: "Treatment"
        case .emergency: "Emergency access (break-glass)"
        case .audit: "Audit"
        case .dispensing: "Dispensing"
        case .hospitalAdministration: "Hospital administration"
        case .systemAdministration: "System administration"
        case .ownAccess: "Your own access"
        case .noBasis: "No recognised purpose"
        }
    }

    /// The basis the access rests on, addressed to the patient ("your grant").
    public var basis: String {
        switch self {
        case .treatment: "under your grant to this doctor, an appointment with you, or as the author of what they read"
        case .emergency: "emergency access the doctor opened with a written justification, without your grant"
        case .audit: "under your authorisation: your grant to this auditor"
        case .dispensing: "under your grant of prescriptions to this pharmacy"
        case .hospitalAdministration: "under your grant to the hospital"
        case .systemAdministration: "the administrator's office (accounts, erasure, the audit log); never your records' content"
        case .ownAccess: "your own account"
        case .noBasis: "this account may not use your records; such attempts are refused"
        }
    }

    /// The basis to state for one event of this purpose: a refused attempt rested on nothing and
    /// disclosed nothing, so it says that rather than naming a grant the actor did not have.
    public func basis(of event: AuditEvent) -> String {
        event.outcome == .denied ? "attempted and refused: nothing was shown or changed" : basis
    }
}

extension AuditEvent {
    /// The action in plain words ("Viewed a record"), for people who do not read transaction
    /// types. Every contract action has a phrase (a test checks); a type without one falls back to
    /// the contract's summary, so a new action is never shown blank.
    public var actionText: String {
        if let phrase = Self.actionPhrases[action] { return phrase }
        if let summary = ContractEngine.actions.first(where: { $0.transactionType == action })?.summary, let first = summary.first {
            return first.uppercased() + summary.dropFirst()
        }
        return action
    }

    private static let actionPhrases: [String: String] = [
        "record.create": "Wrote a new record", "record.add": "Added a document", "record.update": "Changed a record",
        "record.delete": "Deleted a record", "record.view": "Viewed a record", "record.copy": "Copied a record",
        "record.print": "Printed a record", "record.download": "Downloaded a record", "records.list": "Listed records",
        "content.failure": "Reported unreadable content", "prescription.dispense": "Dispensed a prescription",
        "profile.view": "Viewed a profile", "document.view": "Read symptoms, a request's reason or an emergency justification",
        "profile.update": "Updated a profile", "patient.lookup": "Looked up the patient",
        "grant.create": "Gave access", "grant.revoke": "Revoked access", "grants.list": "Listed grants",
        "access.request": "Asked for access", "access.approve": "Approved an access request", "access.deny": "Refused an access request",
        "access.requests.list": "Listed access requests", "breakglass.open": "Opened emergency (break-glass) access",
        "appointment.book": "Booked an appointment", "appointment.cancel": "Cancelled an appointment",
        "appointment.delete": "Removed an appointment", "appointment.accept": "Accepted an appointment",
        "appointment.decline": "Declined an appointment", "appointment.complete": "Completed an appointment",
        "appointments.list": "Listed appointments", "audit.trail": "Read a record's audit trail",
        "audit.tally": "Recorded a tally check", "audit.signoff": "Signed off an audit trail", "audit.events": "Searched the audit log",
        "erasure.request": "Asked for erasure", "erasure.withdraw": "Withdrew an erasure request",
        "erasure.confirm": "Confirmed an erasure", "erasure.decline": "Declined an erasure", "session.open": "Signed in",
        "session.close": "Signed out", "patient.register": "Registered as a patient",
        "doctor.register": "Registered as a doctor", "doctor.verify": "Decided on a doctor's verification",
        "doctor.licence.change": "Asked to change licence facts",
        "account.create": "Created an account", "account.suspend": "Suspended an account",
        "account.reactivate": "Reactivated an account", "accounts.list": "Listed accounts",
        "admin.add": "Added an administrator", "admin.remove": "Removed an administrator",
        "organization.create": "Created an organization", "organizations.list": "Listed organizations",
        "system.parameters": "Changed the system parameters", "erasure.requests.list": "Listed erasure requests",
        "directory.search": "Searched the directory", "hospital.patients": "Listed the hospital's patients",
        "profile.names": "Read patients' names", "page.view": "Viewed a page",
        "app.register": "Registered an app", "app.retire": "Retired an app", "apps.list": "Listed apps",
        "app_sessions.list": "Listed authorised apps",
        "invitation.create": "Made a sign-up invitation", "invitation.revoke": "Withdrew a sign-up invitation",
        "invitation.accept": "Signed up with an invitation", "invitations.list": "Listed invitations",
    ]
}
