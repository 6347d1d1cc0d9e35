/// `record.add`: a patient adds a document of their own (an old report, a scan…).
public struct AddDocument: ContractAction, Equatable {
    public static let transactionType = "record.add"
    public static let eventStatus = EventStatus.created
    public static let summary = "add"

    public var id: String
    public var category: RecordCategory
    public var content: String

    public init(id: String, category: RecordCategory, content: String) {
        self.id = id
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
        _ = try state.activeAccount(context.actor, role: .patient)
        guard state.records[id] == nil else { throw ContractDenial("a record with this id exists") }
        let version = RecordVersion(number: 1, content: content, author: context.actor, entry: context.index, time: context.time)
        state.save(MedicalRecord(id: id, patient: context.actor, category: category, author: context.actor, versions: [version], createdAt: context.index))
        return nil
    }
}
