/// `admin.remove`: a system administrator removes another administrator, for good.
public struct RemoveAdmin: ContractAction, Equatable {
    public static let transactionType = "admin.remove"
    public static let eventStatus = EventStatus.revoked
    public static let summary = "remove administrator"

    public var account: AccountAddress

    public init(account: AccountAddress) { self.account = account }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "account \(account)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator removes administrators") }
        guard account != context.actor else { throw ContractDenial("an administrator cannot remove themselves") }
        guard var target = state.accounts[account], target.role == .admin else { throw ContractDenial("no such administrator") }
        guard target.status != .removed else { throw ContractDenial("the administrator was already removed") }
        target.status = .removed
        target.suspendedFrom = nil
        state.save(target)
        return nil
    }
}
