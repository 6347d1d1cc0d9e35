/// `profile.view`: read an account's encrypted profile or a doctor's licence certificate.
///
/// Everyone reads their own. Administrators who administer a professional read both (they verify
/// doctors against the certificate). Any active account reads a professional's profile. A
/// patient's profile is read only by the patient, a doctor in their care (appointment or grant,
/// or break-glass, which is flagged), and holders of an active grant, each seeing the fields
/// ``ProfileDisclosure`` gives their role; administrators never read it.
public struct ViewProfile: ContractAction, Equatable {
    public static let transactionType = "profile.view"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view profile of"

    /// Which of the account's documents to read.
    public enum Document: String, Codable, Sendable, CaseIterable {
        case profile
        case certificate
    }

    public var account: AccountAddress
    public var document: Document

    public init(account: AccountAddress, document: Document = .profile) {
        self.account = account
        self.document = document
    }

    enum CodingKeys: String, CodingKey { case account, document }

    /// `document` may be left out: it then means the profile.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        account = try container.decode(AccountAddress.self, forKey: .account)
        document = try container.decodeIfPresent(Document.self, forKey: .document) ?? .profile
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "account \(account)"
        guard let subject = state.accounts[account] else { throw ContractDenial("no such account") }
        if subject.role == .patient { facts.patient = subject.address }
        if subject.role == .doctor { facts.doctor = subject.address }
        try state.checkNotErased(subject.address)
        let reader: Account
        if context.actor == account {
            guard let own = state.accounts[context.actor] else { throw ContractDenial("the signer has no account") }
            reader = own
        } else {
            reader = try state.activeAccount(context.actor)
        }
        let content: String?
        switch document {
        case .profile: content = subject.profile
        case .certificate:
            guard subject.role == .doctor else { throw ContractDenial("only doctors have a certificate") }
            content = subject.certificate
        }
        var disclosure = ProfileDisclosure.full
        if reader.address != subject.address {
            if subject.role == .patient {
                let allowed = try state.patientProfileDisclosure(of: subject, to: reader, at: context.time)
                if allowed.breakGlass { facts.breakGlass = true }
                disclosure = allowed.disclosure
            } else if !state.administers(reader, subject) {
                guard document == .profile else { throw ContractDenial("only administrators read another account's certificate") }
            }
        }
        guard let content else { throw ContractDenial("the account has no \(document.rawValue)") }
        return .profile(subject, content: content, disclosure: disclosure)
    }
}
