/// `app_sessions.list`: the apps the reader authorised whose tokens are still open, newest first,
/// so the Access page can show them and offer to revoke each (`session.close` signed with the
/// account's own key).
public struct ListAppSessions: ContractAction, Equatable {
    public static let transactionType = "app_sessions.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list authorised apps"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        let account = try state.activeAccount(context.actor)
        let open = (state.appSessionsByAccount[account.address] ?? []).reversed().compactMap { state.sessions[$0] }
            .filter { $0.isOpen(at: context.time) }
        return .appSessions(Array(open))
    }
}
