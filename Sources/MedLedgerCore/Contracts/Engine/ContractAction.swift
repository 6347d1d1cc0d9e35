/// A transaction kind whose effect the contracts decide.
///
/// Each conforming body holds its action's whole rule in ``run(state:context:facts:)``: check
/// everything first, then change the state. A thrown ``ContractDenial`` must leave the state as it was.
public protocol ContractAction: TransactionBody {
    /// The status the action's audit event carries.
    static var eventStatus: EventStatus { get }
    /// The verb phrase for messages, e.g. "viewed".
    static var summary: String { get }
    /// True when a sign-in session's key may sign it on its account's behalf (reads, and the
    /// session's own close). Everything else needs the account's own key.
    static var allowedForSessions: Bool { get }
    /// The new content this write names and whose key must seal it (``ContentClaim``), as far as
    /// `state` tells; empty for actions that name no new content. The engine refuses claims of
    /// content already in use before ``run(state:context:facts:)``; the node checks the store.
    func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim]
    /// Applies the action. Returns an answer for read actions, nil for writes.
    func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer?
}

extension ContractAction {
    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] { [] }
}
