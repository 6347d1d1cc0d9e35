/// `session.close`: signs out. The session's own key or its account's key may close it; a closed
/// session's key reads nothing more.
public struct CloseSession: ContractAction, Equatable {
    public static let transactionType = "session.close"
    public static let eventStatus = EventStatus.signedOut
    public static let summary = "sign out"
    public static let allowedForSessions = true

    public var session: AccountAddress

    public init(session: AccountAddress) { self.session = session }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "session \(session)"
        guard var value = state.sessions[session], value.account == context.actor else { throw ContractDenial("no such session") }
        guard value.closedAt == nil else { throw ContractDenial("the session is already closed") }
        value.closedAt = context.time
        state.save(value)
        return nil
    }
}
