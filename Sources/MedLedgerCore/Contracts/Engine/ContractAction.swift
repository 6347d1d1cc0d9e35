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
    /// Applies the action. Returns an answer for read actions, nil for writes.
    func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer?
}
