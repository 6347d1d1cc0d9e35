/// `erasure.requests.list`: erasure requests, as the accounts carrying them (no health data).
///
/// Administrators list the requests of the patients they administer, all of them or only those of
/// one `status` (the administration page asks for `pending`): a system administrator, who decides
/// them, sees every patient's latest request; an organization's administrator none, as patients
/// belong to no organization (an empty list, as `accounts.list` gives, rather than a denial on
/// every dashboard view). A patient lists their own, so their profile page shows where it stands
/// even when they have no profile document: a one-item list, or an empty one when they never
/// asked (or it has another status).
public struct ListErasureRequests: ContractAction, Equatable {
    public static let transactionType = "erasure.requests.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list erasure requests"

    public var status: ErasureStatus?

    public init(status: ErasureStatus? = nil) { self.status = status }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        let account = try state.activeAccount(context.actor, role: .admin, .patient)
        let candidates: [Account]
        if account.role == .patient {
            candidates = [account]
        } else {
            candidates = state.erasureRequesters.compactMap { state.accounts[$0] }.filter { state.administers(account, $0) }
        }
        let matching = candidates.filter { candidate in
            guard let request = candidate.erasure else { return false }
            return status == nil || request.status == status
        }
        // Oldest request first; the address breaks ties so the order never depends on the set's.
        return .accounts(matching.sorted { ($0.erasure?.entry ?? 0, $0.address.rawValue) < ($1.erasure?.entry ?? 0, $1.address.rawValue) })
    }
}
