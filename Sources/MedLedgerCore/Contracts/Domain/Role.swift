/// What an account may do. A role is fixed when the account is created.
public enum Role: String, Codable, Sendable, CaseIterable, Comparable {
    case admin
    case patient
    case doctor
    case auditor
    case hospitalManagement = "hospital_management"
    case pharmacy

    /// The role in words, as every page and export names it.
    public var label: String {
        switch self {
        case .admin: "Administrator"
        case .patient: "Patient"
        case .doctor: "Doctor"
        case .auditor: "Auditor"
        case .hospitalManagement: "Hospital management"
        case .pharmacy: "Pharmacy"
        }
    }

    /// Roles a patient may grant access to.
    public var canBeGranted: Bool {
        switch self {
        case .doctor, .auditor, .hospitalManagement, .pharmacy: true
        case .admin, .patient: false
        }
    }

    /// The record categories a grant to this role may cover; nil means every category (and so a
    /// grant of all records). Pharmacies see prescriptions; hospital management sees reports,
    /// results and prescriptions; clinicians and auditors may be granted anything.
    public var grantableCategories: Set<RecordCategory>? {
        switch self {
        case .pharmacy: [.prescriptions]
        case .hospitalManagement: [.reports, .labResults, .prescriptions]
        case .doctor, .auditor, .admin, .patient: nil
        }
    }

    /// The kind of organization this role's accounts may belong to, if any.
    public var organizationKind: OrganizationKind? {
        switch self {
        case .doctor, .hospitalManagement: .hospital
        case .pharmacy: .pharmacy
        case .admin, .patient, .auditor: nil
        }
    }

    public static func < (lhs: Role, rhs: Role) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Where an account stands. Only `active` accounts may act.
public enum AccountStatus: String, Codable, Sendable, CaseIterable {
    /// May act.
    case active
    /// A doctor waiting for an administrator's verification.
    case pending
    /// A doctor whose verification was refused.
    case rejected
    /// Stopped by an administrator; may be reactivated.
    case suspended
    /// An administrator removed from office; final.
    case removed
    /// A patient whose erasure a system administrator confirmed; final. The node destroyed the
    /// patient's content key and objects, and the contracts refuse everything about them.
    case erased
}
