/// `erasure.request`: a patient asks for their records to be erased (the GDPR right to erasure).
///
/// Nothing happens to the records until a system administrator confirms (``ConfirmErasure``), so a
/// stolen key cannot destroy a patient's history on its own, and the patient may withdraw the
/// request meanwhile (``WithdrawErasure``). The body names the patient so the signed statement
/// says whose records it means; it carries no health data, only an optional reason's CID.
public struct RequestErasure: ContractAction, Equatable {
    public static let transactionType = "erasure.request"
    public static let eventStatus = EventStatus.erasureRequested
    public static let summary = "request erasure of the records of"

    /// The patient whose records to erase: the signer.
    public var patient: AccountAddress
    /// CID of an encrypted reason the patient wrote, if any.
    public var reason: String?

    public init(patient: AccountAddress, reason: String? = nil) {
        self.patient = patient
        self.reason = reason
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.optionalContentID(reason, field: "reason")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        // The event names the patient the request is about, so an attempt on someone else's records
        // shows in that patient's trail.
        facts.patient = patient
        facts.object = "patient \(patient)"
        var account = try state.activeAccount(context.actor, role: .patient)
        guard patient == context.actor else { throw ContractDenial("a patient may ask to erase only their own records") }
        if account.erasure?.status == .pending { throw ContractDenial("an erasure request is already pending") }
        account.erasure = ErasureRequest(reason: reason, entry: context.index, time: context.time)
        state.save(account)
        return nil
    }
}
