/// `grant.create`: a patient lets a doctor, auditor, hospital management or pharmacy see some of
/// their records until an expiry, optionally for one read only.
public struct CreateGrant: ContractAction, Equatable {
    public static let transactionType = "grant.create"
    public static let eventStatus = EventStatus.granted
    public static let summary = "grant access"

    public var id: String
    public var grantee: AccountAddress
    public var scope: AccessScope
    /// Unix milliseconds; nil for the system's default length.
    public var expires: Int64?
    public var oneTime: Bool

    public init(id: String, grantee: AccountAddress, scope: AccessScope, expires: Int64? = nil, oneTime: Bool = false) {
        self.id = id
        self.grantee = grantee
        self.scope = scope
        self.expires = expires
        self.oneTime = oneTime
    }

    enum CodingKeys: String, CodingKey {
        case id, grantee, scope, expires, oneTime
    }

    /// `oneTime` may be left out (false).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        grantee = try container.decode(AccountAddress.self, forKey: .grantee)
        scope = try container.decode(AccessScope.self, forKey: .scope)
        expires = try container.decodeIfPresent(Int64.self, forKey: .expires)
        oneTime = try container.decodeIfPresent(Bool.self, forKey: .oneTime) ?? false
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try scope.validate(field: "scope")
        guard grantee != context.signer else { throw BodyValidationError("a patient cannot grant access to themselves") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "grant \(id) to \(grantee)"
        if case .record(let record) = scope { facts.record = record }
        let account = state.accounts[grantee]
        if account?.role == .doctor { facts.doctor = grantee }
        if account?.role == .auditor { facts.auditor = grantee }
        _ = try state.activeAccount(context.actor, role: .patient)
        guard let account, account.role.canBeGranted else { throw ContractDenial("the grantee is not a doctor, auditor, hospital or pharmacy account") }
        guard account.status == .active else { throw ContractDenial("the grantee's account is not active") }
        guard state.grants[id] == nil else { throw ContractDenial("a grant with this id exists") }
        try state.checkScope(scope, patient: context.actor, for: account.role)
        let expiry = try state.grantExpiry(expires, at: context.time)
        state.save(Grant(
            id: id, patient: context.actor, grantee: grantee, scope: scope, expires: expiry, oneTime: oneTime,
            createdAt: context.index, createdTime: context.time
        ))
        return nil
    }
}
