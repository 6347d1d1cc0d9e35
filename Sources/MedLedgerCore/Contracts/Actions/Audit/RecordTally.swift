/// `audit.tally`: an auditor granted the record records the result of a tally check (does the
/// trail match what is stored?). A failed check lets that auditor open the record.
public struct RecordTally: ContractAction, Equatable {
    public static let transactionType = "audit.tally"
    public static let eventStatus = EventStatus.checked
    public static let summary = "record a tally check of"

    public var record: String
    public var result: TallyResult
    /// CID of the encrypted list of discrepancies.
    public var details: String?

    public init(record: String, result: TallyResult, details: String? = nil) {
        self.record = record
        self.result = result
        self.details = details
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        try Validation.optionalContentID(details, field: "details")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record) (\(result.rawValue))"
        facts.record = record
        var value = try state.existingRecord(record, facts: &facts)
        let auditor = try state.activeAccount(context.actor, role: .auditor)
        guard state.auditorCovers(value, auditor: auditor, at: context.time) else {
            throw ContractDenial("no active grant covers this record")
        }
        value.tally = TallyCheck(auditor: context.actor, result: result, details: details, entry: context.index, time: context.time)
        state.save(value)
        return nil
    }
}
