/// What one action's rule decided, before it becomes an audit event: the facts it learned, its
/// answer (reads) or its denial, and the sentence saying what was attempted.
struct RuleDecision: Sendable {
    var facts: EventFacts
    var answer: QueryAnswer?
    var denial: ContractDenial?
    /// The action's summary with its object, e.g. "View record rx-1 v2".
    var sentence: String
}
