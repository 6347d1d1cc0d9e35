/// The result of applying one transaction: its audit event and, for reads, the answer.
///
/// Codable because outcomes travel between nodes: a node that does not sequence hands a
/// submission to the one that does and gets the outcome back as JSON, answer and effects included
/// (both ends run the same build).
public struct ContractOutcome: Codable, Sendable, Equatable {
    public let event: AuditEvent
    public let answer: QueryAnswer?
    /// What the node must do once the entry is durable (empty for denied actions and most writes).
    public let effects: [ContractEffect]

    public init(event: AuditEvent, answer: QueryAnswer?, effects: [ContractEffect] = []) {
        self.event = event
        self.answer = answer
        self.effects = effects
    }

    /// True when the contract allowed the action.
    public var allowed: Bool { event.outcome == .allowed }
}
