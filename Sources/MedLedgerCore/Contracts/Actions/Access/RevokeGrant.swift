/// `grant.revoke`: the patient withdraws a grant; it stops applying at once.
public struct RevokeGrant: ContractAction, Equatable {
    public static let transactionType = "grant.revoke"
    public static let eventStatus = EventStatus.revoked
    public static let summary = "revoke access"

    public var grant: String

    public init(grant: String) { self.grant = grant }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(grant, field: "grant")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "grant \(grant)"
        let existing = state.grants[grant]
        if let existing {
            facts.patient = existing.patient
            if case .record(let record) = existing.scope { facts.record = record }
            switch state.accounts[existing.grantee]?.role {
            case .doctor: facts.doctor = existing.grantee
            case .auditor: facts.auditor = existing.grantee
            default: break
            }
        }
        _ = try state.activeAccount(context.actor, role: .patient)
        guard var value = existing, value.patient == context.actor else { throw ContractDenial("no such grant of this patient") }
        guard value.status == .active else { throw ContractDenial("the grant is already \(value.status.rawValue)") }
        value.status = .revoked
        state.save(value)
        return nil
    }
}
