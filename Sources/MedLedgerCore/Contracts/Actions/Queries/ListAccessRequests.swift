/// `access.requests.list`: access requests addressed to the caller (patients) or made by them.
public struct ListAccessRequests: ContractAction, Equatable {
    public static let transactionType = "access.requests.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list access requests"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        _ = try state.activeAccount(context.actor, role: .patient, .doctor, .hospitalManagement, .pharmacy)
        return .accessRequests((state.requestsByAccount[context.actor] ?? []).compactMap { state.accessRequests[$0] })
    }
}
