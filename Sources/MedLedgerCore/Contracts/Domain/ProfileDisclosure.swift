import Foundation

/// How much of an account's encrypted profile a reader is shown: the minimum their work needs.
///
/// A patient's profile (``PatientProfile``) holds who they are (name, birth date), how to reach
/// them (phone, address, emergency contact) and clinical facts (gender, weight, height, blood
/// type, allergies, current medications, chronic conditions). The patient and the doctors caring
/// for them see all of it. Staff who hold a grant for a narrow purpose see only the fields that
/// purpose needs: a pharmacy identifies the patient a prescription is for (name and birth date)
/// and checks it against their allergies and current medications before dispensing, and nothing
/// else clinical; hospital management identifies and contacts the patient to schedule (name,
/// birth date, phone) and sees nothing clinical; an auditor identifies whose trail they reconcile
/// (name and birth date). Administrators never read a patient's profile.
/// Professionals' profiles are public register facts and always shown whole.
///
/// The contracts name the disclosure in their answer (``QueryAnswer/profile(_:content:disclosure:)``)
/// and the node applies ``filter(_:)`` to the decrypted document, the one place fields are removed.
public enum ProfileDisclosure: String, Codable, Sendable, CaseIterable {
    /// The whole document.
    case full
    /// Who the patient is: name and birth date (auditors).
    case identity
    /// Who the patient is and how to reach them: name, birth date and phone (hospital management).
    case scheduling
    /// Who the patient is and what a dispenser must check: name, birth date, allergies and current
    /// medications (pharmacies).
    case dispensing

    /// The profile fields shown; nil means every field.
    public var fields: Set<String>? {
        switch self {
        case .full: nil
        case .identity: ["name", "birthDate"]
        case .scheduling: ["name", "birthDate", "phone"]
        case .dispensing: ["name", "birthDate", "allergies", "medications"]
        }
    }

    /// The disclosure a reader of `role` gets of a patient's profile they were let read, other than
    /// their own; nil when the role never reads patients' profiles (administrators, other patients).
    public static func ofPatientProfile(to role: Role) -> ProfileDisclosure? {
        switch role {
        case .doctor: .full
        case .pharmacy: .dispensing
        case .auditor: .identity
        case .hospitalManagement: .scheduling
        case .admin, .patient: nil
        }
    }

    /// The document as this disclosure shows it. ``full`` returns it unchanged. A restricted
    /// disclosure keeps only its ``fields`` whose values are strings, as a JSON object with sorted
    /// keys; every other field is dropped, and a document that is not one I-JSON object (not JSON,
    /// a duplicate key, an array…) shows as the empty object, so nothing slips through a reading
    /// the browser would make differently.
    public func filter(_ document: [UInt8]) -> [UInt8] {
        guard let fields else { return document }
        guard let members = (try? IJSON.parse(document))?.object else { return Array("{}".utf8) }
        var kept: [String: String] = [:]
        for (key, value) in members where fields.contains(key) {
            if let text = value.string { kept[key] = text }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(kept))) ?? Array("{}".utf8)
    }
}
