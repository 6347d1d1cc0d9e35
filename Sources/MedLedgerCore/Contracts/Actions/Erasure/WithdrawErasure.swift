/// `erasure.withdraw`: the patient takes back their pending erasure request before an
/// administrator decides it. The request stays on the account as withdrawn.
public struct WithdrawErasure: ContractAction, Equatable {
    public static let transactionType = "erasure.withdraw"
    public static let eventStatus = EventStatus.erasureWithdrawn
    public static let summary = "withdraw the erasure request of"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "patient \(context.actor)"
        var account = try state.activeAccount(context.actor, role: .patient)
        guard var request = account.erasure, request.status == .pending else {
            throw ContractDenial("there is no pending erasure request to withdraw")
        }
        request.status = .withdrawn
        request.decision = ErasureDecision(by: context.actor, entry: context.index, time: context.time)
        account.erasure = request
        state.save(account)
        return nil
    }
}
