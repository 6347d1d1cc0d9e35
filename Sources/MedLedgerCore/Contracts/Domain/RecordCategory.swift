/// The kind of a medical record; grants can be scoped to one category.
public enum RecordCategory: String, Codable, Sendable, CaseIterable, Comparable {
    case visitNotes = "visit_notes"
    case labResults = "lab_results"
    case reports
    case prescriptions
    case immunizations
    case medicalHistory = "medical_history"

    public static func < (lhs: RecordCategory, rhs: RecordCategory) -> Bool { lhs.rawValue < rhs.rawValue }
}
