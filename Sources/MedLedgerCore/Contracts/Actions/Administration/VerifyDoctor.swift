/// `doctor.verify`: an administrator approves or rejects a doctor after checking the certificate
/// the CID names. Until approved, a doctor can do nothing.
///
/// With `change`, the decision is about a verified doctor's changed licence facts
/// (``ChangeLicence``), named by the entry that asked for them: approving applies them, rejecting
/// drops them; either way the doctor's account stays as it is. The administrator must administer
/// the hospital the doctor belongs to once the change applies.
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
    /// The entry of the licence change decided; nil to decide on the doctor's account.
    public var change: UInt64?

    public init(doctor: AccountAddress, decision: Decision, certificate: String, change: UInt64? = nil) {
        self.doctor = doctor
        self.decision = decision
        self.certificate = certificate
        self.change = change
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.contentID(certificate, field: "certificate")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "doctor \(doctor) (\(decision == .approve ? "approved" : "rejected"))"
        facts.doctor = doctor
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard var account = state.accounts[doctor], account.role == .doctor else { throw ContractDenial("no such doctor") }
        if let change {
            facts.object = "licence change \(change) of doctor \(doctor) (\(decision == .approve ? "approved" : "rejected"))"
            guard account.status == .active else { throw ContractDenial("the doctor's account is \(account.status.rawValue)") }
            guard let pending = account.licenceChange, pending.entry == change else {
                throw ContractDenial("the doctor has no such licence change waiting; it was decided or replaced")
            }
            guard pending.certificate == certificate else { throw ContractDenial("the certificate is not the one the doctor submitted") }
            var changed = account
            changed.organization = pending.organization
            guard state.administers(admin, changed) else {
                throw ContractDenial("this administrator does not administer the hospital the doctor would belong to")
            }
            if decision == .approve {
                account.licence = pending.licence
                account.certificate = pending.certificate
                account.organization = pending.organization
            }
            account.licenceChange = nil
            state.save(account)
            return nil
        }
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
