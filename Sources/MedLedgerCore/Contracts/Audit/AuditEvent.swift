/// What the ledger recorded about one action: who did what to whose record, when, and whether it
/// was allowed. Every contract transaction yields exactly one, denied attempts included; its
/// `index` is the transaction's entry index, so an event is as verifiable as the entry.
public struct AuditEvent: Codable, Sendable, Equatable {
    /// The entry index of the transaction.
    public var index: UInt64
    /// The block's time (Unix milliseconds), never a client's clock.
    public var time: Int64
    /// The transaction type, e.g. `record.view`.
    public var action: String
    /// What happened to the record or object: created, changed, queried…
    public var status: EventStatus
    public var outcome: EventOutcome
    /// A plain sentence saying what happened (or why it was denied). Never holds health data.
    public var message: String
    public var actor: AccountAddress
    public var actorRole: Role?
    public var patient: AccountAddress?
    public var doctor: AccountAddress?
    public var auditor: AccountAddress?
    public var record: String?
    public var version: Int?
    /// Set for actions taken under break-glass access (and the break-glass opening itself).
    public var breakGlass: Bool

    public init(
        index: UInt64, time: Int64, action: String, status: EventStatus, outcome: EventOutcome, message: String,
        actor: AccountAddress, actorRole: Role?, patient: AccountAddress? = nil, doctor: AccountAddress? = nil,
        auditor: AccountAddress? = nil, record: String? = nil, version: Int? = nil, breakGlass: Bool = false
    ) {
        self.index = index
        self.time = time
        self.action = action
        self.status = status
        self.outcome = outcome
        self.message = message
        self.actor = actor
        self.actorRole = actorRole
        self.patient = patient
        self.doctor = doctor
        self.auditor = auditor
        self.record = record
        self.version = version
        self.breakGlass = breakGlass
    }
}

/// Whether the contract allowed the action.
public enum EventOutcome: String, Codable, Sendable {
    case allowed
    case denied
}

/// The status an action gives its object, as the audit trail shows it.
public enum EventStatus: String, Codable, Sendable, CaseIterable {
    case created
    case changed
    case deleted
    case viewed
    case queried
    case printed
    case copied
    case downloaded
    case dispensed
    case granted
    case revoked
    case requested
    case approved
    case rejected
    case registered
    case verified
    case suspended
    case reactivated
    case booked
    case accepted
    case declined
    case completed
    case cancelled
    case emergency
    case checked
    case signedOff = "signed_off"
    case signedIn = "signed_in"
    case signedOut = "signed_out"
    /// A patient asked for their records to be erased.
    case erasureRequested = "erasure_requested"
    /// A system administrator confirmed an erasure: the patient's content is gone.
    case erased
    /// A system administrator refused an erasure request.
    case erasureDeclined = "erasure_declined"
    /// The patient took their erasure request back.
    case erasureWithdrawn = "erasure_withdrawn"
    /// A reader found stored content missing or failing its integrity check.
    case contentFailed = "content_failed"
}
