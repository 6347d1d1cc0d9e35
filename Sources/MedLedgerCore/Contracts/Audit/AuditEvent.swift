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
    /// Patients besides ``patient`` the event names: a page view (`page.view`) that showed
    /// something of several patients names each, so it is on every one's activity. Empty for
    /// single actions; never holds ``patient`` itself.
    public var otherPatients: [AccountAddress]
    /// Records besides ``record`` the event names (a page view that read several), so it is on
    /// each record's trail. Empty for single actions; never holds ``record`` itself.
    public var otherRecords: [String]
    /// The registered app (``ClientApp/id``) whose token made the read, when an app did: the
    /// patient's "Who saw my records" names it beside the account that authorised it.
    public var app: String?

    public init(
        index: UInt64, time: Int64, action: String, status: EventStatus, outcome: EventOutcome, message: String,
        actor: AccountAddress, actorRole: Role?, patient: AccountAddress? = nil, doctor: AccountAddress? = nil,
        auditor: AccountAddress? = nil, record: String? = nil, version: Int? = nil, breakGlass: Bool = false,
        otherPatients: [AccountAddress] = [], otherRecords: [String] = [], app: String? = nil
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
        self.otherPatients = otherPatients
        self.otherRecords = otherRecords
        self.app = app
    }

    /// Every patient the event names: ``patient`` first, then ``otherPatients``.
    public var patients: [AccountAddress] { (patient.map { [$0] } ?? []) + otherPatients }
    /// Every record the event names: ``record`` first, then ``otherRecords``.
    public var records: [String] { (record.map { [$0] } ?? []) + otherRecords }

    /// True when the event names `patient` (as its patient or one of its other patients).
    public func names(patient address: AccountAddress) -> Bool { patient == address || otherPatients.contains(address) }
    /// True when the event names `record` (as its record or one of its other records).
    public func names(record id: String) -> Bool { record == id || otherRecords.contains(id) }

    enum CodingKeys: String, CodingKey {
        case index, time, action, status, outcome, message, actor, actorRole, patient, doctor, auditor, record, version, breakGlass
        case otherPatients, otherRecords, app
    }

    /// `otherPatients` and `otherRecords` may be left out (they are empty then), and `app` (nil
    /// then), so events of single actions read and write exactly as before these fields existed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        index = try container.decode(UInt64.self, forKey: .index)
        time = try container.decode(Int64.self, forKey: .time)
        action = try container.decode(String.self, forKey: .action)
        status = try container.decode(EventStatus.self, forKey: .status)
        outcome = try container.decode(EventOutcome.self, forKey: .outcome)
        message = try container.decode(String.self, forKey: .message)
        actor = try container.decode(AccountAddress.self, forKey: .actor)
        actorRole = try container.decodeIfPresent(Role.self, forKey: .actorRole)
        patient = try container.decodeIfPresent(AccountAddress.self, forKey: .patient)
        doctor = try container.decodeIfPresent(AccountAddress.self, forKey: .doctor)
        auditor = try container.decodeIfPresent(AccountAddress.self, forKey: .auditor)
        record = try container.decodeIfPresent(String.self, forKey: .record)
        version = try container.decodeIfPresent(Int.self, forKey: .version)
        breakGlass = try container.decode(Bool.self, forKey: .breakGlass)
        otherPatients = try container.decodeIfPresent([AccountAddress].self, forKey: .otherPatients) ?? []
        otherRecords = try container.decodeIfPresent([String].self, forKey: .otherRecords) ?? []
        app = try container.decodeIfPresent(String.self, forKey: .app)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(time, forKey: .time)
        try container.encode(action, forKey: .action)
        try container.encode(status, forKey: .status)
        try container.encode(outcome, forKey: .outcome)
        try container.encode(message, forKey: .message)
        try container.encode(actor, forKey: .actor)
        try container.encodeIfPresent(actorRole, forKey: .actorRole)
        try container.encodeIfPresent(patient, forKey: .patient)
        try container.encodeIfPresent(doctor, forKey: .doctor)
        try container.encodeIfPresent(auditor, forKey: .auditor)
        try container.encodeIfPresent(record, forKey: .record)
        try container.encodeIfPresent(version, forKey: .version)
        try container.encode(breakGlass, forKey: .breakGlass)
        if !otherPatients.isEmpty { try container.encode(otherPatients, forKey: .otherPatients) }
        if !otherRecords.isEmpty { try container.encode(otherRecords, forKey: .otherRecords) }
        try container.encodeIfPresent(app, forKey: .app)
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
