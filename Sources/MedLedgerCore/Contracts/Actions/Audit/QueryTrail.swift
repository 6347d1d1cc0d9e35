/// `audit.trail`: read a record's audit trail. Auditors need the patient's grant covering the
/// record; the patient may read their own. The query is itself an event on the trail.
public struct QueryTrail: ContractAction, Equatable {
    public static let transactionType = "audit.trail"
    public static let eventStatus = EventStatus.queried
    public static let summary = "query the audit trail of"

    public var record: String

    public init(record: String) { self.record = record }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        let value = try state.existingRecord(record)
        facts.about(value)
        let account = try state.activeAccount(context.actor)
        guard account.address == value.patient || state.auditorCovers(value, auditor: account, at: context.time) else {
            throw ContractDenial("only the patient and auditors they granted may read this trail")
        }
        return .events(AuditQuery(record: record, limit: AuditQuery.maxLimit))
    }
}
