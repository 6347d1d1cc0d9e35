/// `record.create`: a doctor writes a record for a patient they care for (an accepted or completed
/// appointment, an active grant, or break-glass): visit notes, a report, a prescription…
public struct CreateRecord: ContractAction, Equatable {
    public static let transactionType = "record.create"
    public static let eventStatus = EventStatus.created
    public static let summary = "create"

    public var id: String
    public var patient: AccountAddress
    public var category: RecordCategory
    /// CID of the encrypted content.
    public var content: String

    public init(id: String, patient: AccountAddress, category: RecordCategory, content: String) {
        self.id = id
        self.patient = patient
        self.category = category
        self.content = content
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try Validation.contentID(content, field: "content")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(id)"
        facts.record = id
        facts.version = 1
        facts.patient = patient
        _ = try state.activeAccount(context.actor, role: .doctor)
        _ = try state.activePatient(patient)
        guard state.records[id] == nil else { throw ContractDenial("a record with this id exists") }
        guard let basis = state.careBasis(doctor: context.actor, patient: patient, at: context.time) else {
            throw ContractDenial("the doctor has no accepted appointment, grant or break-glass access for this patient")
        }
        facts.breakGlass = basis == .breakGlass
        let version = RecordVersion(number: 1, content: content, author: context.actor, entry: context.index, time: context.time)
        state.save(MedicalRecord(id: id, patient: patient, category: category, author: context.actor, versions: [version], createdAt: context.index))
        return nil
    }
}

