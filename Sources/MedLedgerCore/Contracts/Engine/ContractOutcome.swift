/// The result of applying one transaction: its audit event and, for reads, the answer.
public struct ContractOutcome: Sendable, Equatable {
    public let event: AuditEvent
    public let answer: QueryAnswer?

    public init(event: AuditEvent, answer: QueryAnswer?) {
        self.event = event
        self.answer = answer
    }

    /// True when the contract allowed the action.
    public var allowed: Bool { event.outcome == .allowed }
}
