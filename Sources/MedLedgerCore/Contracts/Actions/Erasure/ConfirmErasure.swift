/// `erasure.confirm`: a system administrator confirms a patient's pending erasure request.
///
/// The account becomes ``AccountStatus/erased`` for good, with who confirmed, the entry and the
/// time on its request. From then on the contracts refuse every read and write about the patient
/// (``ContractState/checkNotErased(_:)``), and the outcome carries
/// ``ContractEffect/destroyContent(of:)``: once the entry is durable the node destroys the patient's
/// content key and encrypted objects (and at every start it does so again for each patient in
/// ``ContractState/erasedPatients``, completing an erasure interrupted in between). The ledger
/// keeps its entries, events, CIDs and signatures, so `medledger verify` still replays it.
/// Organization administrators cannot confirm: patients belong to no organization.
public struct ConfirmErasure: ContractAction, Equatable {
    public static let transactionType = "erasure.confirm"
    public static let eventStatus = EventStatus.erased
    public static let summary = "confirm erasure of the records of"

    public var patient: AccountAddress

    public init(patient: AccountAddress) { self.patient = patient }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = patient
        facts.object = "patient \(patient)"
        var (account, request) = try state.pendingErasure(of: patient, decidedBy: context.actor, verb: "confirms")
        request.status = .erased
        request.decision = ErasureDecision(by: context.actor, entry: context.index, time: context.time)
        account.erasure = request
        account.status = .erased
        // Erasure is final: no suspension is left to lift.
        account.suspendedFrom = nil
        state.save(account)
        facts.effects.append(.destroyContent(of: patient))
        return nil
    }
}
