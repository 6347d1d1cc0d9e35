/// `erasure.decline`: a system administrator refuses a patient's pending erasure request (for
/// example when the law requires the records to be kept). The request stays on the account as
/// declined, with who decided and when, and the patient may ask again.
public struct DeclineErasure: ContractAction, Equatable {
    public static let transactionType = "erasure.decline"
    public static let eventStatus = EventStatus.erasureDeclined
    public static let summary = "decline erasure of the records of"

    public var patient: AccountAddress

    public init(patient: AccountAddress) { self.patient = patient }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = patient
        facts.object = "patient \(patient)"
        var (account, request) = try state.pendingErasure(of: patient, decidedBy: context.actor, verb: "declines")
        request.status = .declined
        request.decision = ErasureDecision(by: context.actor, entry: context.index, time: context.time)
        account.erasure = request
        state.save(account)
        return nil
    }
}
