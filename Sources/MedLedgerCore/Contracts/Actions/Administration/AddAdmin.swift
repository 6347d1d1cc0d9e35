import Crypto

/// `admin.add`: a system administrator makes a new key an administrator, of the whole system or of
/// one organization.
public struct AddAdmin: ContractAction, Equatable {
    public static let transactionType = "admin.add"
    public static let eventStatus = EventStatus.registered
    public static let summary = "add administrator"

    public var publicKey: String
    public var displayName: String
    /// The organization the new admin administers; nil for a system administrator.
    public var organization: String?

    public init(publicKey: String, displayName: String, organization: String? = nil) {
        self.publicKey = publicKey
        self.displayName = displayName
        self.organization = organization
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.publicKey(publicKey, field: "publicKey")
        try Validation.label(displayName, field: "displayName")
        if let organization { try Validation.identifier(organization, field: "organization") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        guard let address = P256.Signing.PublicKey.address(ofPayloadKey: publicKey) else { throw ContractDenial("invalid key") }
        facts.object = "account \(address)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator adds administrators") }
        try state.checkKeyIsFree(address)
        if let organization, state.organizations[organization] == nil { throw ContractDenial("no such organization") }
        state.save(Account(
            address: address, publicKey: publicKey, role: .admin, status: .active, organization: organization,
            displayName: displayName, createdAt: context.index
        ))
        return nil
    }
}
