/// A filter over the audit log: every field that is set must match. `record` and `patient` match
/// an event that names them anywhere (``AuditEvent/names(record:)``), so a page view that showed
/// several patients is on each one's activity. Time bounds are block times
/// in Unix milliseconds, `from` inclusive and `to` exclusive. `breakGlass: true` selects the
/// break-glass openings and uses that patients and auditors are alerted to. Results are in ledger
/// order, starting after entry `after`, at most `limit`.
public struct AuditQuery: Codable, Sendable, Equatable {
    public var record: String?
    public var patient: AccountAddress?
    public var actor: AccountAddress?
    public var action: String?
    /// Leaves out this account's own actions (a patient's "who else saw my records", an auditor
    /// hiding their own reads of a trail).
    public var excludeActor: AccountAddress?
    public var breakGlass: Bool?
    public var from: Int64?
    public var to: Int64?
    public var after: UInt64?
    public var limit: Int

    /// The largest page a query may ask for.
    public static let maxLimit = 10_000

    public init(
        record: String? = nil, patient: AccountAddress? = nil, actor: AccountAddress? = nil, action: String? = nil,
        breakGlass: Bool? = nil, from: Int64? = nil, to: Int64? = nil, after: UInt64? = nil, limit: Int = 1000
    ) {
        self.record = record
        self.patient = patient
        self.actor = actor
        self.action = action
        self.breakGlass = breakGlass
        self.from = from
        self.to = to
        self.after = after
        self.limit = limit
    }

    enum CodingKeys: String, CodingKey {
        case record, patient, actor, action, excludeActor, breakGlass, from, to, after, limit
    }

    /// Every field may be left out; `limit` then defaults to 1,000.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        record = try container.decodeIfPresent(String.self, forKey: .record)
        patient = try container.decodeIfPresent(AccountAddress.self, forKey: .patient)
        actor = try container.decodeIfPresent(AccountAddress.self, forKey: .actor)
        action = try container.decodeIfPresent(String.self, forKey: .action)
        excludeActor = try container.decodeIfPresent(AccountAddress.self, forKey: .excludeActor)
        breakGlass = try container.decodeIfPresent(Bool.self, forKey: .breakGlass)
        from = try container.decodeIfPresent(Int64.self, forKey: .from)
        to = try container.decodeIfPresent(Int64.self, forKey: .to)
        after = try container.decodeIfPresent(UInt64.self, forKey: .after)
        limit = try container.decodeIfPresent(Int.self, forKey: .limit) ?? 1000
    }

    /// True when `event` passes every filter (ignoring paging).
    public func matches(_ event: AuditEvent) -> Bool {
        if let record, !event.names(record: record) { return false }
        if let patient, !event.names(patient: patient) { return false }
        if let actor, event.actor != actor { return false }
        if let action, event.action != action { return false }
        if let excludeActor, event.actor == excludeActor { return false }
        if let breakGlass, event.breakGlass != breakGlass { return false }
        if let from, event.time < from { return false }
        if let to, event.time >= to { return false }
        if let after, event.index <= after { return false }
        return true
    }
}

/// Reads the audit log. Stores implement it next to ``LedgerStore``.
public protocol AuditLog: Sendable {
    /// Events matching `query`, in ledger order.
    func events(_ query: AuditQuery) async throws -> [AuditEvent]
}
