/// `grants.list`: grants the caller gave (patients) or holds (everyone else), including revoked,
/// expired and used ones, so a patient sees their whole sharing history.
public struct ListGrants: ContractAction, Equatable {
    public static let transactionType = "grants.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list grants"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        _ = try state.activeAccount(context.actor, role: .patient, .doctor, .auditor, .hospitalManagement, .pharmacy)
        return .grants((state.grantsByAccount[context.actor] ?? []).compactMap { state.grants[$0] })
    }
}
