/// What a read action returns to its caller (not stored: the audit event is what the ledger keeps).
public enum QueryAnswer: Codable, Sendable, Equatable {
    /// One version of a record; the node adds its decrypted content.
    case record(MedicalRecord, version: RecordVersion)
    case records([MedicalRecord])
    case appointments([Appointment])
    case grants([Grant])
    case accessRequests([AccessRequest])
    case accounts([Account])
    case organizations([Organization])
    /// Invitations the administrator manages (``ListInvitations``).
    case invitations([Invitation])
    case patient(PatientSummary)
    /// An account, the CID of the document asked for and how much of it the reader may see; the
    /// node adds its decrypted content, filtered by `disclosure`.
    case profile(Account, content: String, disclosure: ProfileDisclosure)
    /// The CID of a side document (``ViewDocument``), the patient whose key seals it and the
    /// account that wrote it; the node checks the stored object's uploader against `author` and
    /// adds the decrypted content.
    case document(kind: ViewDocument.Kind, content: String, owner: AccountAddress, author: AccountAddress)
    /// Audit events the node reads from the audit log with this query.
    case events(AuditQuery)
    /// Verified professionals matching a directory search (``SearchDirectory``).
    case directory([DirectoryEntry])
    /// A hospital's patients and why each is listed (``ListHospitalPatients``).
    case hospitalPatients([HospitalPatient])
    /// The patients' profiles whose names the reader may see (``ViewNames``); the node adds the names.
    case names([PatientName])
    /// Registered SMART apps (``ListApps``).
    case apps([ClientApp])
    /// The reader's own app authorisations (``ListAppSessions``), newest first.
    case appSessions([Session])
    /// A page view's reads (``PageView``), in the order the body lists them: each one's own answer,
    /// or why its rule refused it.
    case page([PageReadAnswer])
}

/// What a patient lookup shows hospital staff: that the patient exists, and what they granted the caller.
public struct PatientSummary: Codable, Sendable, Equatable {
    public var patient: AccountAddress
    public var status: AccountStatus
    public var grantsToCaller: [Grant]

    public init(patient: AccountAddress, status: AccountStatus, grantsToCaller: [Grant]) {
        self.patient = patient
        self.status = status
        self.grantsToCaller = grantsToCaller
    }
}
