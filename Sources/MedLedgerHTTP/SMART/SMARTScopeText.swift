import MedLedgerCore

/// SMART scopes in words for the authorise page and the Access page: one plain sentence per
/// granted scope, so a user knows what they allow without reading `patient/DocumentReference.rs`.
enum SMARTScopeText {
    /// What resources of a FHIR type are, in words.
    static let typeWords: [String: String] = [
        "*": "records and details of every kind MedLedger serves",
        "Patient": "patient details (name, date of birth, contact)",
        "Practitioner": "details of clinicians",
        "Organization": "hospitals and pharmacies",
        "Appointment": "appointments",
        "DocumentReference": "documents, visit notes, results and reports",
        "MedicationRequest": "prescriptions",
        "Immunization": "immunisations",
        "Consent": "who has been granted access",
        "AuditEvent": "the log of who saw what",
        "Provenance": "who wrote each record version",
        "Binary": "the files of records",
    ]

    /// The sentence for one granted scope; `ownData` when the user is the launch patient.
    static func sentence(_ scope: String, ownData: Bool) -> String {
        switch scope {
        case "openid", "fhirUser": return "Know who you are: your MedLedger account id and whether you are a patient or a clinician."
        case "launch/patient": return "Know that the records it opens are yours."
        case "online_access": return "Keep reading while you are signed in to it, until the permission ends."
        default: break
        }
        guard let parsed = SMARTScope(scope) else { return scope }
        let verb = parsed.read && parsed.search ? "Read and search" : parsed.read ? "Read" : "Search"
        let what = typeWords[parsed.resourceType] ?? parsed.resourceType
        switch parsed.context {
        case .patient: return "\(verb) \(ownData ? "your" : "the patient's") \(what)."
        case .user, .system: return "\(verb) \(what) that you yourself may see."
        }
    }

    /// One row per scope, with `openid`/`fhirUser` said once.
    static func rows(_ scopes: [String], ownData: Bool) -> [[String: Any]] {
        var seen = Set<String>()
        var rows: [[String: Any]] = []
        for scope in scopes {
            let text = sentence(scope, ownData: ownData)
            guard seen.insert(text).inserted else { continue }
            rows.append(["scope": scope, "text": text])
        }
        return rows
    }
}
