/// `audit.signoff`: after a tally check the node recorded for them, an auditor approves the
/// record's trail (only when their own latest check tallied) or flags a discrepancy. Another
/// auditor's check counts for nothing here.
public struct SignOffTrail: ContractAction, Equatable {
    public static let transactionType = "audit.signoff"
    public static let eventStatus = EventStatus.signedOff
    public static let summary = "sign off the trail of"

    public var record: String
    public var decision: SignOffDecision
    /// CID of an encrypted note.
    public var note: String?

    public init(record: String, decision: SignOffDecision, note: String? = nil) {
        self.record = record
        self.decision = decision
        self.note = note
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        try Validation.optionalContentID(note, field: "note")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record) (\(decision == .approve ? "approved" : "flagged"))"
        facts.record = record
        var value = try state.existingRecord(record, facts: &facts)
        let auditor = try state.activeAccount(context.actor, role: .auditor)
        guard state.auditorCovers(value, auditor: auditor, at: context.time) else {
            throw ContractDenial("no active grant covers this record")
        }
        guard let tally = value.tally(by: context.actor) else {
            throw ContractDenial("the node has recorded no tally check of this record for this auditor")
        }
        if decision == .approve, tally.result != .tallies {
            throw ContractDenial("a trail whose latest tally check failed cannot be approved")
        }
        value.signOff = AuditSignOff(auditor: context.actor, decision: decision, note: note, entry: context.index, time: context.time)
        state.save(value)
        return nil
    }
}
