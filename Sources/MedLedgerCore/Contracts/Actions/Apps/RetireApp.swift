/// `app.retire`: a system administrator retires a registered app. From that block on, every read
/// its tokens sign is refused (``AppScopeRule``) and it can no longer be authorised; its past reads
/// stay on the ledger under its name.
public struct RetireApp: ContractAction, Equatable {
    public static let transactionType = "app.retire"
    public static let eventStatus = EventStatus.deleted
    public static let summary = "retire"

    public var id: String

    public init(id: String) { self.id = id }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "app \(id)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator retires apps") }
        guard var app = state.apps[id] else { throw ContractDenial("no such app") }
        guard app.isActive else { throw ContractDenial("the app is already retired") }
        app.retiredAt = context.time
        state.save(app)
        return nil
    }
}
