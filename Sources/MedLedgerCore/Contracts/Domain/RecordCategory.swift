/// The kind of a medical record; grants can be scoped to one category.
public enum RecordCategory: String, Codable, Sendable, CaseIterable, Comparable {
    case visitNotes = "visit_notes"
    case labResults = "lab_results"
    case reports
    case prescriptions
    case immunizations
    case medicalHistory = "medical_history"

    public static func < (lhs: RecordCategory, rhs: RecordCategory) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The category in words, as every page, export and form names it.
    public var label: String {
        switch self {
        case .visitNotes: "Visit notes"
        case .labResults: "Lab results"
        case .reports: "Reports"
        case .prescriptions: "Prescriptions"
        case .immunizations: "Immunizations"
        case .medicalHistory: "Medical history"
        }
    }
}
