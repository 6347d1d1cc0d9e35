/// `apps.list`: the registered SMART apps, for any active account: a user sees which apps exist
/// and an administrator manages them. Apps hold no health data; their names and redirect
/// addresses are public to the ledger's users.
public struct ListApps: ContractAction, Equatable {
    public static let transactionType = "apps.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list apps"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        _ = try state.activeAccount(context.actor)
        return .apps(state.apps.values.sorted { $0.createdAt < $1.createdAt })
    }
}
