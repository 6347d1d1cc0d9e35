/// `audit.trail`: read a record's audit trail. Auditors need the patient's grant covering the
/// record; the patient may read their own. The query is itself an event on the trail. An erased
/// patient's trails stay readable to their auditors: the trail holds ids, addresses and CIDs,
/// never content, and it is the proof of what happened to the records.
public struct QueryTrail: ContractAction, Equatable {
    public static let transactionType = "audit.trail"
    public static let eventStatus = EventStatus.queried
    public static let summary = "query the audit trail of"

    public var record: String
    /// Page: events after this entry index.
    public var after: UInt64?
    /// Page size, at most ``AuditQuery/maxLimit`` (the default).
    public var limit: Int?

    public init(record: String, after: UInt64? = nil, limit: Int? = nil) {
        self.record = record
        self.after = after
        self.limit = limit
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        if let limit, !(1...AuditQuery.maxLimit).contains(limit) {
            throw BodyValidationError("limit must be 1 to \(AuditQuery.maxLimit)")
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        // The trail outlives an erasure: it holds no health data, so auditors still read it.
        let value = try state.trailRecord(record, facts: &facts)
        let account = try state.activeAccount(context.actor)
        guard account.address == value.patient || state.auditorCovers(value, auditor: account, at: context.time) else {
            throw ContractDenial("only the patient and auditors they granted may read this trail")
        }
        return .events(AuditQuery(record: record, after: after, limit: limit ?? AuditQuery.maxLimit))
    }
}
