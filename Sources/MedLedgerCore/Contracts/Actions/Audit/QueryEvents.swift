/// `audit.events`: search the audit log by record, patient, actor, action and time. System
/// administrators see everything; a patient sees the events about them; an auditor sees a patient's
/// events while holding that patient's grant; anyone else sees only their own actions.
public struct QueryEvents: ContractAction, Equatable {
    public static let transactionType = "audit.events"
    public static let eventStatus = EventStatus.queried
    public static let summary = "query audit events"

    public var query: AuditQuery

    public init(query: AuditQuery) { self.query = query }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        if let record = query.record { try Validation.identifier(record, field: "query.record") }
        guard (1...AuditQuery.maxLimit).contains(query.limit) else {
            throw BodyValidationError("query.limit must be 1 to \(AuditQuery.maxLimit)")
        }
        if let from = query.from, let to = query.to, from >= to { throw BodyValidationError("query.from must be before query.to") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = query.patient
        facts.record = query.record
        if let record = query.record, let value = state.records[record] { facts.patient = value.patient }
        let account = try state.activeAccount(context.actor)
        if account.isSystemAdmin { return .events(query) }
        switch account.role {
        case .patient:
            if let patient = query.patient, patient != account.address {
                throw ContractDenial("a patient may read only the events about themselves")
            }
            var scoped = query
            scoped.patient = account.address
            if let record = query.record, state.records[record]?.patient != account.address {
                throw ContractDenial("the record is not this patient's")
            }
            return .events(scoped)
        case .auditor:
            guard let patient = query.patient else { throw ContractDenial("an auditor must name the patient whose events to read") }
            guard state.grants(from: patient, to: account.address).contains(where: { $0.isActive(at: context.time) }) else {
                throw ContractDenial("the patient has not granted this auditor access")
            }
            return .events(query)
        default:
            guard query.actor == nil || query.actor == account.address else {
                throw ContractDenial("only administrators may read other accounts' actions")
            }
            var scoped = query
            scoped.actor = account.address
            return .events(scoped)
        }
    }
}
