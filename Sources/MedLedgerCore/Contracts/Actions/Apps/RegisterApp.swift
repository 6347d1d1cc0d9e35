/// `app.register`: a system administrator registers a SMART on FHIR app, so users may authorise
/// it. Only registered apps can be offered on the authorise page, and codes go only to the
/// redirect addresses registered here.
public struct RegisterApp: ContractAction, Equatable {
    public static let transactionType = "app.register"
    public static let eventStatus = EventStatus.created
    public static let summary = "register"

    public var id: String
    public var name: String
    public var redirectURIs: [String]

    public init(id: String, name: String, redirectURIs: [String]) {
        self.id = id
        self.name = name
        self.redirectURIs = redirectURIs
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try Validation.label(name, field: "name", max: 100)
        guard (1...ClientApp.redirectLimit).contains(redirectURIs.count), Set(redirectURIs).count == redirectURIs.count else {
            throw BodyValidationError("redirectURIs must list 1 to \(ClientApp.redirectLimit) different addresses")
        }
        for uri in redirectURIs where !ClientApp.isAllowedRedirect(uri) {
            throw BodyValidationError("redirectURIs must be https addresses (or http on 127.0.0.1 or localhost) without a fragment")
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "app \(id)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator registers apps") }
        guard state.apps[id] == nil else { throw ContractDenial("an app with this id is registered") }
        state.save(ClientApp(id: id, name: name, redirectURIs: redirectURIs, registeredBy: admin.address, createdAt: context.index))
        return nil
    }
}
