/// `access.request`: a doctor, hospital management or pharmacy asks a patient for access, with a
/// reason (encrypted off the ledger). The patient approves or denies it.
public struct RequestAccess: ContractAction, Equatable {
    public static let transactionType = "access.request"
    public static let eventStatus = EventStatus.requested
    public static let summary = "request access"

    public var id: String
    public var patient: AccountAddress
    public var scope: AccessScope
    /// CID of the encrypted reason.
    public var reason: String

    public init(id: String, patient: AccountAddress, scope: AccessScope, reason: String) {
        self.id = id
        self.patient = patient
        self.scope = scope
        self.reason = reason
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try scope.validate(field: "scope")
        try Validation.contentID(reason, field: "reason")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "request \(id)"
        facts.patient = patient
        if case .record(let record) = scope { facts.record = record }
        let account = try state.activeAccount(context.actor, role: .doctor, .hospitalManagement, .pharmacy)
        _ = try state.activePatient(patient)
        guard state.accessRequests[id] == nil else { throw ContractDenial("a request with this id exists") }
        try state.checkScope(scope, patient: patient, for: account.role)
        state.save(AccessRequest(id: id, patient: patient, requester: context.actor, scope: scope, reason: reason, createdAt: context.index))
        return nil
    }
}
