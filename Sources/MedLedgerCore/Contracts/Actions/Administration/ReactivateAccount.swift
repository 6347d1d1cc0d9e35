/// `account.reactivate`: an administrator lifts a suspension, restoring the earlier status.
public struct ReactivateAccount: ContractAction, Equatable {
    public static let transactionType = "account.reactivate"
    public static let eventStatus = EventStatus.reactivated
    public static let summary = "reactivate account"

    public var account: AccountAddress

    public init(account: AccountAddress) { self.account = account }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "account \(account)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard var target = state.accounts[account] else { throw ContractDenial("no such account") }
        guard state.administers(admin, target) else { throw ContractDenial("this administrator does not administer the account") }
        guard target.status == .suspended else { throw ContractDenial("the account is not suspended") }
        target.status = target.suspendedFrom ?? .active
        target.suspendedFrom = nil
        state.save(target)
        return nil
    }
}
