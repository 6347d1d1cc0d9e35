/// `profile.view`: read an account's encrypted profile or a doctor's licence certificate.
///
/// Everyone reads their own. Administrators who administer a professional read both (they verify
/// doctors against the certificate). Any active account reads a professional's profile. A
/// patient's profile is read only by the patient, a doctor in their care (appointment or grant,
/// or break-glass, which is flagged), and holders of an active grant, each seeing the fields
/// ``ProfileDisclosure`` gives their role; administrators never read it.
///
/// `version` names one saved version of the profile (``Account/profileHistory``). Only the
/// account's owner reads an earlier version: everyone else who may read the profile reads the
/// current one, the facts in force, never what the owner has since replaced.
public struct ViewProfile: ContractAction, Equatable {
    public static let transactionType = "profile.view"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view profile of"

    /// Which of the account's documents to read.
    public enum Document: String, Codable, Sendable, CaseIterable {
        case profile
        case certificate
        /// The certificate of a licence change waiting for verification (``Account/licenceChange``):
        /// read by the doctor and by the administrators who may decide the change.
        case pendingCertificate = "pending-certificate"
    }

    public var account: AccountAddress
    public var document: Document
    /// The profile version to read; nil for the current one.
    public var version: Int?

    public init(account: AccountAddress, document: Document = .profile, version: Int? = nil) {
        self.account = account
        self.document = document
        self.version = version
    }

    enum CodingKeys: String, CodingKey { case account, document, version }

    /// `document` may be left out: it then means the profile.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        account = try container.decode(AccountAddress.self, forKey: .account)
        document = try container.decodeIfPresent(Document.self, forKey: .document) ?? .profile
        version = try container.decodeIfPresent(Int.self, forKey: .version)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(account, forKey: .account)
        try container.encode(document, forKey: .document)
        try container.encodeIfPresent(version, forKey: .version)
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        if let version {
            guard version >= 1 else { throw BodyValidationError("version must be a whole number from 1") }
            guard document == .profile else { throw BodyValidationError("version names a profile version; certificates have none") }
        }
    }

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
        case .profile:
            if let version {
                let history = subject.profileHistory
                guard let named = history.first(where: { $0.number == version }) else { throw ContractDenial("the profile has no version \(version)") }
                if named.number != history.last?.number, reader.address != subject.address {
                    throw ContractDenial("only the account's owner reads earlier versions of a profile")
                }
                facts.object = "account \(account) profile version \(version)"
                content = named.content
            } else {
                content = subject.profile
            }
        case .certificate:
            guard subject.role == .doctor else { throw ContractDenial("only doctors have a certificate") }
            content = subject.certificate
        case .pendingCertificate:
            guard let change = subject.licenceChange else { throw ContractDenial("the account has no licence change waiting") }
            if reader.address != subject.address {
                var changed = subject
                changed.organization = change.organization
                guard state.administers(reader, subject) || state.administers(reader, changed) else {
                    throw ContractDenial("only administrators read another account's certificate")
                }
            }
            content = change.certificate
        }
        var disclosure = ProfileDisclosure.full
        if reader.address != subject.address {
            if subject.role == .patient {
                let allowed = try state.patientProfileDisclosure(of: subject, to: reader, at: context.time)
                if allowed.breakGlass { facts.breakGlass = true }
                disclosure = allowed.disclosure
            } else if !state.administers(reader, subject) {
                guard document != .certificate else { throw ContractDenial("only administrators read another account's certificate") }
            }
        }
        guard let content else { throw ContractDenial("the account has no \(document == .profile ? "profile" : "certificate")") }
        let shown = reader.address == subject.address || state.administers(reader, subject) ? subject : subject.publicView
        return .profile(shown, content: content, disclosure: disclosure)
    }
}
