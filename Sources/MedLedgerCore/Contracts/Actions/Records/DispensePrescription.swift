/// `prescription.dispense`: a pharmacy with a grant covering a prescription marks it dispensed,
/// once.
public struct DispensePrescription: ContractAction, Equatable {
    public static let transactionType = "prescription.dispense"
    public static let eventStatus = EventStatus.dispensed
    public static let summary = "dispense"

    public var record: String

    public init(record: String) { self.record = record }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        var value = try state.existingRecord(record, facts: &facts)
        let account = try state.activeAccount(context.actor, role: .pharmacy)
        guard value.category == .prescriptions else { throw ContractDenial("the record is not a prescription") }
        guard value.deleted == nil else { throw ContractDenial("the record was deleted") }
        guard state.coveringGrant(of: value, to: account, at: context.time) != nil else {
            throw ContractDenial("no active grant covers this prescription")
        }
        guard value.dispensed == nil else { throw ContractDenial("the prescription was already dispensed") }
        value.dispensed = Dispensing(by: context.actor, entry: context.index, time: context.time)
        state.save(value)
        return nil
    }
}
