/// `patient.lookup`: hospital staff, doctors and pharmacies look a patient up by id: whether the
/// account exists and is active, and what the patient granted the caller. No health data, so it
/// still answers after an erasure: the status then says `erased`, which tells staff why every
/// read of the patient's records is refused.
public struct LookUpPatient: ContractAction, Equatable {
    public static let transactionType = "patient.lookup"
    public static let eventStatus = EventStatus.queried
    public static let summary = "look up patient"

    public var patient: AccountAddress

    public init(patient: AccountAddress) { self.patient = patient }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = patient
        facts.object = patient.rawValue
        _ = try state.activeAccount(context.actor, role: .hospitalManagement, .doctor, .pharmacy)
        guard let account = state.accounts[patient], account.role == .patient else { throw ContractDenial("no such patient") }
        return .patient(PatientSummary(patient: patient, status: account.status, grantsToCaller: state.grants(from: patient, to: context.actor)))
    }
}
