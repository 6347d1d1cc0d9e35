/// `access.approve`: the patient approves a pending request, which creates a grant of the
/// requested scope.
public struct ApproveAccessRequest: ContractAction, Equatable {
    public static let transactionType = "access.approve"
    public static let eventStatus = EventStatus.approved
    public static let summary = "approve access request"

    public var request: String
    /// Id of the grant to create.
    public var grant: String
    public var expires: Int64?
    public var oneTime: Bool

    public init(request: String, grant: String, expires: Int64? = nil, oneTime: Bool = false) {
        self.request = request
        self.grant = grant
        self.expires = expires
        self.oneTime = oneTime
    }

    enum CodingKeys: String, CodingKey {
        case request, grant, expires, oneTime
    }

    /// `oneTime` may be left out (false).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        request = try container.decode(String.self, forKey: .request)
        grant = try container.decode(String.self, forKey: .grant)
        expires = try container.decodeIfPresent(Int64.self, forKey: .expires)
        oneTime = try container.decodeIfPresent(Bool.self, forKey: .oneTime) ?? false
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(request, field: "request")
        try Validation.identifier(grant, field: "grant")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "request \(request)"
        var value = try pendingRequest(request, state: state, context: context, facts: &facts)
        guard let requester = state.accounts[value.requester], requester.status == .active else {
            throw ContractDenial("the requester's account is not active")
        }
        guard state.grants[grant] == nil else { throw ContractDenial("a grant with this id exists") }
        try state.checkScope(value.scope, patient: value.patient, for: requester.role)
        let expiry = try state.grantExpiry(expires, at: context.time)
        value.status = .approved
        value.grant = grant
        state.save(value)
        state.save(Grant(
            id: grant, patient: value.patient, grantee: value.requester, scope: value.scope, expires: expiry, oneTime: oneTime,
            request: value.id, createdAt: context.index, createdTime: context.time
        ))
        return nil
    }
}

/// `access.deny`: the patient refuses a pending request.
public struct DenyAccessRequest: ContractAction, Equatable {
    public static let transactionType = "access.deny"
    public static let eventStatus = EventStatus.rejected
    public static let summary = "deny access request"

    public var request: String

    public init(request: String) { self.request = request }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(request, field: "request")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "request \(request)"
        var value = try pendingRequest(request, state: state, context: context, facts: &facts)
        value.status = .denied
        state.save(value)
        return nil
    }
}

/// The patient's own pending request, or why not.
private func pendingRequest(_ id: String, state: ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> AccessRequest {
    let existing = state.accessRequests[id]
    facts.patient = existing?.patient
    if case .record(let record)? = existing?.scope { facts.record = record }
    if let existing, state.accounts[existing.requester]?.role == .doctor { facts.doctor = existing.requester }
    _ = try state.activeAccount(context.actor, role: .patient)
    guard let value = existing, value.patient == context.actor else { throw ContractDenial("no such request to this patient") }
    guard value.status == .pending else { throw ContractDenial("the request was already \(value.status.rawValue)") }
    return value
}
