import MedLedgerCore

/// A patient account as a FHIR `Patient`. Only the profile fields the reader was shown are
/// mapped: the node has already filtered the decrypted profile by the reader's
/// ``ProfileDisclosure`` before it reaches here, so a pharmacy's view never holds a phone number
/// and this mapper cannot add one. Clinical profile fields (allergies, medications, weight…) are
/// not Patient elements and are left out.
public enum FHIRPatient {
    /// `profile` is the decrypted, disclosure-filtered profile document (nil when the reader saw none).
    public static func resource(_ account: Account, profile: [UInt8]?, context: FHIRContext) -> FHIRJSON {
        let fields = profile.flatMap { try? IJSON.parse($0) }?.object ?? [:]
        let text = { (key: String) -> String? in fields[key]?.string }
        let telecom: [FHIRJSON] = text("phone").map { [["system": "phone", "value": .string($0)]] } ?? []
        let contact: [FHIRJSON] = text("emergencyContact").map {
            [["relationship": [["text": "emergency contact"]], "name": ["text": .string($0)]]]
        } ?? []
        return .members([
            "resourceType": "Patient",
            "id": .string(account.address.rawValue),
            "identifier": [["system": .string(context.accountSystem), "value": .string(account.address.rawValue)]],
            "active": .bool(account.status == .active),
            "name": text("name").map { [["text": .string($0)]] },
            "birthDate": text("birthDate").flatMap { PatientProfile.date($0) != nil ? FHIRJSON.string($0) : nil },
            "gender": text("gender").map { .string(gender($0)) },
            "telecom": .array(telecom),
            "address": text("address").map { [["text": .string($0)]] },
            "contact": .array(contact),
        ])
    }

    /// FHIR's administrative gender for the genders a profile may state.
    public static func gender(_ stated: String) -> String {
        switch stated {
        case "female": "female"
        case "male": "male"
        case "non-binary", "other": "other"
        default: "unknown"
        }
    }
}
