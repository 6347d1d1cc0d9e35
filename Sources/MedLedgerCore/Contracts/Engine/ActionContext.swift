import Crypto

/// What a contract knows about the transaction besides its body: who signed it, where it sits in
/// the ledger and its block's time.
public struct ActionContext: Sendable {
    public let actor: AccountAddress
    public let signerKey: P256.Signing.PublicKey
    public let index: UInt64
    /// The block's time in Unix milliseconds.
    public let time: Int64
    /// The session whose key signed, when a session key signed for ``actor``: the delegation
    /// rule, and for an app's token its scopes (``AppScopeRule``), bound every read it makes,
    /// including each read of a page view.
    public let session: Session?

    public init(actor: AccountAddress, signerKey: P256.Signing.PublicKey, index: UInt64, time: Int64, session: Session? = nil) {
        self.actor = actor
        self.signerKey = signerKey
        self.index = index
        self.time = time
        self.session = session
    }

    /// The signer's key as bodies spell keys.
    public var signerKeyText: String { signerKey.payloadKey }
}

/// The parts of an audit event an action fills in as it learns them (before any denial, so a
/// denied attempt still names the patient and record it was aimed at).
public struct EventFacts: Sendable, Equatable {
    public var patient: AccountAddress?
    public var doctor: AccountAddress?
    public var auditor: AccountAddress?
    public var record: String?
    public var version: Int?
    public var breakGlass = false
    /// Patients besides ``patient`` the event names (``AuditEvent/otherPatients``).
    public var otherPatients: [AccountAddress] = []
    /// Records besides ``record`` the event names (``AuditEvent/otherRecords``).
    public var otherRecords: [String] = []
    /// Names the object for the message, e.g. "record rec-1".
    public var object: String?
    /// What the node must carry out once the entry is durable; kept only when the action is allowed.
    public var effects: [ContractEffect] = []

    public init() {}

    /// Fills what refused content claims tell: the record they were for and its patient, so the
    /// refusal lands on that record's and patient's trail.
    mutating func about(claims: [ContentClaim], in state: ContractState) {
        if let id = claims.lazy.compactMap(\.record).first {
            if let record = state.records[id] { about(record) } else { record = id; object = object ?? "record \(id)" }
        }
        if patient == nil, let owner = claims.first?.owner, state.accounts[owner]?.role == .patient { patient = owner }
    }

    /// Fills the fields a record determines (keeping a more precise object an action already set).
    mutating func about(_ record: MedicalRecord, version: Int? = nil) {
        self.patient = record.patient
        self.record = record.id
        self.version = version ?? record.current.number
        if object == nil { self.object = "record \(record.id)" }
    }
}
