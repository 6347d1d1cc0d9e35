/// `record.delete`: a doctor with a grant (or the patient, for their own documents) deletes a
/// record. It becomes a tombstone: versions and audit trail remain.
public struct DeleteRecord: ContractAction, Equatable {
    public static let transactionType = "record.delete"
    public static let eventStatus = EventStatus.deleted
    public static let summary = "delete"

    public var record: String

    public init(record: String) { self.record = record }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        var value = try state.existingRecord(record, facts: &facts)
        let account = try state.activeAccount(context.actor)
        let access = try state.changeAccess(to: value, by: account, at: context.time)
        if case .breakGlass = access { facts.breakGlass = true }
        value.deleted = RecordTombstone(by: context.actor, entry: context.index, time: context.time)
        state.save(value)
        return nil
    }
}
