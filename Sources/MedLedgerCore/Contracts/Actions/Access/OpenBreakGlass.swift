/// `breakglass.open`: in an emergency a verified doctor opens time-limited access to a patient's
/// records without a grant, with a written justification. The opening and every use are flagged
/// to the patient and to auditors.
public struct OpenBreakGlass: ContractAction, Equatable {
    public static let transactionType = "breakglass.open"
    public static let eventStatus = EventStatus.emergency
    public static let summary = "open break-glass access"

    public var id: String
    public var patient: AccountAddress
    /// CID of the encrypted justification.
    public var justification: String

    public init(id: String, patient: AccountAddress, justification: String) {
        self.id = id
        self.patient = patient
        self.justification = justification
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try Validation.contentID(justification, field: "justification")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "break-glass \(id)"
        facts.patient = patient
        facts.breakGlass = true
        _ = try state.activeAccount(context.actor, role: .doctor)
        _ = try state.activePatient(patient)
        guard state.breakGlass[id] == nil else { throw ContractDenial("a break-glass access with this id exists") }
        state.save(BreakGlassAccess(
            id: id, doctor: context.actor, patient: patient, justification: justification, opened: context.time,
            expires: context.time + state.parameters.breakGlassSeconds * 1000, createdAt: context.index
        ))
        return nil
    }
}
