/// `organization.create`: a system administrator adds a hospital or pharmacy.
public struct CreateOrganization: ContractAction, Equatable {
    public static let transactionType = "organization.create"
    public static let eventStatus = EventStatus.created
    public static let summary = "create"

    public var id: String
    public var name: String
    public var kind: OrganizationKind

    public init(id: String, name: String, kind: OrganizationKind) {
        self.id = id
        self.name = name
        self.kind = kind
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try Validation.label(name, field: "name")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "organization \(id)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator adds organizations") }
        guard state.organizations[id] == nil else { throw ContractDenial("an organization with this id exists") }
        state.save(Organization(id: id, name: name, kind: kind, createdAt: context.index))
        return nil
    }
}
