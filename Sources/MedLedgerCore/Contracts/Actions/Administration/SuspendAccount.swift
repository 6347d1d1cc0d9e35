/// `account.suspend`: an administrator stops an account; it can do nothing until reactivated.
public struct SuspendAccount: ContractAction, Equatable {
    public static let transactionType = "account.suspend"
    public static let eventStatus = EventStatus.suspended
    public static let summary = "suspend account"

    public var account: AccountAddress

    public init(account: AccountAddress) { self.account = account }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "account \(account)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard account != context.actor else { throw ContractDenial("an administrator cannot suspend themselves") }
        guard var target = state.accounts[account] else { throw ContractDenial("no such account") }
        guard state.administers(admin, target) else { throw ContractDenial("this administrator does not administer the account") }
        guard target.status == .active || target.status == .pending else {
            throw ContractDenial("the account is \(target.status.rawValue)")
        }
        target.suspendedFrom = target.status
        target.status = .suspended
        state.save(target)
        return nil
    }
}
