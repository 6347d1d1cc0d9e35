/// `record.update`: a doctor with a grant (or break-glass) adds a new version; earlier versions stay.
/// `baseVersion` must be the current version, so two concurrent edits cannot silently overwrite.
public struct UpdateRecord: ContractAction, Equatable {
    public static let transactionType = "record.update"
    public static let eventStatus = EventStatus.changed
    public static let summary = "change"

    public var record: String
    public var content: String
    public var baseVersion: Int

    public init(record: String, content: String, baseVersion: Int) {
        self.record = record
        self.content = content
        self.baseVersion = baseVersion
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        try Validation.contentID(content, field: "content")
        guard baseVersion >= 1 else { throw BodyValidationError("baseVersion must be 1 or more") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        var value = try state.existingRecord(record, facts: &facts)
        facts.version = value.current.number + 1
        let account = try state.activeAccount(context.actor)
        let access = try state.changeAccess(to: value, by: account, at: context.time)
        guard baseVersion == value.current.number else {
            throw ContractDenial("the record changed since version \(baseVersion); it is at version \(value.current.number)")
        }
        if case .breakGlass = access { facts.breakGlass = true }
        value.versions.append(RecordVersion(
            number: value.current.number + 1, content: content, author: context.actor, entry: context.index, time: context.time
        ))
        state.save(value)
        return nil
    }
}
