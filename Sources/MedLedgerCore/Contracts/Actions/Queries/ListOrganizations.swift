/// `organizations.list`: the hospitals and pharmacies, for any active account.
public struct ListOrganizations: ContractAction, Equatable {
    public static let transactionType = "organizations.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list organizations"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        _ = try state.activeAccount(context.actor)
        return .organizations(state.organizations.values.sorted { $0.createdAt < $1.createdAt })
    }
}
