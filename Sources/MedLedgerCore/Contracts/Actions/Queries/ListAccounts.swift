/// `accounts.list`: administrators list the accounts they administer (filtered by role and status,
/// e.g. the doctors waiting for verification); everyone else may list the verified, active doctors
/// to book with or grant to.
public struct ListAccounts: ContractAction, Equatable {
    public static let transactionType = "accounts.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list accounts"

    public var role: Role?
    public var status: AccountStatus?
    /// True to list only doctors whose changed licence facts wait for verification (the
    /// administrators' queue, ``ChangeLicence``).
    public var licenceChange: Bool?

    public init(role: Role? = nil, status: AccountStatus? = nil, licenceChange: Bool? = nil) {
        self.role = role
        self.status = status
        self.licenceChange = licenceChange
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        let account = try state.activeAccount(context.actor)
        let matching = state.accounts.values.filter {
            (role == nil || $0.role == role) && (status == nil || $0.status == status) && (licenceChange != true || $0.licenceChange != nil)
        }
        let visible: [Account]
        if account.role == .admin {
            visible = matching.filter { candidate in
                if candidate.address == account.address || state.administers(account, candidate) { return true }
                // A licence change moving a doctor into this administrator's hospital is theirs to decide.
                guard let change = candidate.licenceChange else { return false }
                var changed = candidate
                changed.organization = change.organization
                return state.administers(account, changed)
            }
        } else {
            guard role == .doctor, status == .active, licenceChange != true else {
                throw ContractDenial("only administrators list accounts other than active doctors")
            }
            // Others see the verified facts only.
            visible = matching.map { $0.address == account.address ? $0 : $0.publicView }
        }
        return .accounts(visible.sorted { $0.createdAt < $1.createdAt })
    }
}
