/// `accounts.list`: administrators list the accounts they administer (filtered by role and status,
/// e.g. the doctors waiting for verification); everyone else may list the verified, active doctors
/// to book with or grant to.
public struct ListAccounts: ContractAction, Equatable {
    public static let transactionType = "accounts.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list accounts"

    public var role: Role?
    public var status: AccountStatus?

    public init(role: Role? = nil, status: AccountStatus? = nil) {
        self.role = role
        self.status = status
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        let account = try state.activeAccount(context.actor)
        let matching = state.accounts.values.filter { (role == nil || $0.role == role) && (status == nil || $0.status == status) }
        let visible: [Account]
        if account.role == .admin {
            visible = matching.filter { $0.address == account.address || state.administers(account, $0) }
        } else {
            guard role == .doctor, status == .active else {
                throw ContractDenial("only administrators list accounts other than active doctors")
            }
            visible = matching
        }
        return .accounts(visible.sorted { $0.createdAt < $1.createdAt })
    }
}
