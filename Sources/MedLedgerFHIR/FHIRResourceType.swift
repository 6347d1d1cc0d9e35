/// The resource types the API serves, with the search parameters each supports exactly as the
/// server implements them: the search parser accepts these and nothing else, and the
/// CapabilityStatement lists them, so the two cannot disagree.
public enum FHIRResourceType: String, CaseIterable, Sendable {
    case patient = "Patient"
    case practitioner = "Practitioner"
    case organization = "Organization"
    case appointment = "Appointment"
    case documentReference = "DocumentReference"
    case binary = "Binary"
    case medicationRequest = "MedicationRequest"
    case immunization = "Immunization"
    case consent = "Consent"
    case auditEvent = "AuditEvent"
    case provenance = "Provenance"

    /// One supported search parameter: its name and FHIR search type.
    public struct Parameter: Sendable, Equatable {
        public var name: String
        public var type: String
        public var documentation: String
    }

    /// True when the type can be searched (Binary is read only).
    public var searchable: Bool { self != .binary }

    /// The search parameters the type supports besides `_count` and the paging offset.
    public var parameters: [Parameter] {
        let id = Parameter(name: "_id", type: "token", documentation: "the resource id (comma-separated for several)")
        let patient = Parameter(name: "patient", type: "reference", documentation: "the patient, as Patient/<address> or the address")
        let date = { (what: String) in Parameter(name: "date", type: "date", documentation: "\(what); prefixes eq, ne, gt, ge, lt, le, sa, eb; partial dates") }
        let status = Parameter(name: "status", type: "token", documentation: "the status (comma-separated for any of several)")
        switch self {
        case .patient: return [id]
        case .practitioner: return [id, Parameter(name: "name", type: "string", documentation: "part of the display name")]
        case .organization:
            return [id, Parameter(name: "name", type: "string", documentation: "part of the name"),
                    Parameter(name: "type", type: "token", documentation: "hospital, pharmacy or prov")]
        case .appointment:
            return [id, patient, Parameter(name: "practitioner", type: "reference", documentation: "the doctor"), date("the start"), status]
        case .documentReference:
            return [id, patient, Parameter(name: "subject", type: "reference", documentation: "the patient (as patient)"),
                    Parameter(name: "category", type: "token", documentation: "MedLedger category code, e.g. lab_results"),
                    date("the version's time"), status]
        case .medicationRequest:
            return [id, patient, Parameter(name: "authoredon", type: "date", documentation: "the version's time; prefixes as date"), status]
        case .immunization: return [id, patient, date("the occurrence"), status]
        case .consent: return [id, patient, status, date("when the grant was made")]
        case .auditEvent:
            return [id, patient, date("the block time"),
                    Parameter(name: "entity", type: "reference", documentation: "a record, as DocumentReference/<id> (or the other record types)")]
        case .provenance:
            return [id, Parameter(name: "target", type: "reference", documentation: "the record, as DocumentReference/<id> (or another record type); required")]
        case .binary: return []
        }
    }

    /// `_include` values the type supports.
    public var includes: [String] {
        switch self {
        case .documentReference: ["DocumentReference:subject", "DocumentReference:patient"]
        case .medicationRequest: ["MedicationRequest:subject", "MedicationRequest:patient"]
        case .immunization: ["Immunization:patient"]
        default: []
        }
    }

    /// True for the types a patient's records are served as.
    public var isRecordType: Bool { self == .documentReference || self == .medicationRequest || self == .immunization }
}
