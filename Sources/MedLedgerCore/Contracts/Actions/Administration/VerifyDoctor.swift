/// `doctor.verify`: an administrator approves or rejects a doctor after checking the certificate
/// the CID names. Until approved, a doctor can do nothing.
public struct VerifyDoctor: ContractAction, Equatable {
    public static let transactionType = "doctor.verify"
    public static let eventStatus = EventStatus.verified
    public static let summary = "verify doctor"

    public enum Decision: String, Codable, Sendable {
        case approve
        case reject
    }

    public var doctor: AccountAddress
    public var decision: Decision
    /// The certificate the administrator checked.
    public var certificate: String

    public init(doctor: AccountAddress, decision: Decision, certificate: String) {
        self.doctor = doctor
        self.decision = decision
        self.certificate = certificate
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.contentID(certificate, field: "certificate")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "doctor \(doctor) (\(decision == .approve ? "approved" : "rejected"))"
        facts.doctor = doctor
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard var account = state.accounts[doctor], account.role == .doctor else { throw ContractDenial("no such doctor") }
        guard state.administers(admin, account) else { throw ContractDenial("this administrator does not administer the doctor's organization") }
        guard account.status == .pending || account.status == .rejected || (account.status == .active && decision == .reject) else {
            throw ContractDenial("the doctor's account is \(account.status.rawValue)")
        }
        if let existing = account.certificate, existing != certificate {
            throw ContractDenial("the certificate is not the one the doctor submitted")
        }
        account.certificate = certificate
        account.status = decision == .approve ? .active : .rejected
        state.save(account)
        return nil
    }
}
