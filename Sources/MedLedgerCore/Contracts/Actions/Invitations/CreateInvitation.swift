import Crypto

/// `invitation.create`: an administrator makes a one-time sign-up link for a role in an
/// organization. The body carries the public key of a key pair the administrator's browser made
/// for this invitation, never its private key (that is only in the link), so the ledger cannot be
/// used to sign up in the invitee's place.
///
/// System administrators invite any role but administrator, into any organization; an
/// organization's administrator invites its doctors and staff, and patients (who belong to no
/// organization), but never auditors or into another organization — the same reach as
/// ``CreateAccount``. An invitation lasts from one hour to 30 days.
public struct CreateInvitation: ContractAction, Equatable {
    public static let transactionType = "invitation.create"
    public static let eventStatus = EventStatus.created
    public static let summary = "create invitation"

    public var id: String
    /// The invitation's P-256 public key, base64url of the uncompressed point (``Invitation/publicKey``).
    public var publicKey: String
    public var role: Role
    public var organization: String?
    /// How long the invitation works, in seconds (``Invitation/validity``).
    public var seconds: Int64
    /// A public note for the list; never a patient's name.
    public var label: String?
    /// For doctors: the licence number the administrator checked (see ``Invitation/licence``).
    public var licence: String?

    public init(
        id: String, publicKey: String, role: Role, organization: String? = nil, seconds: Int64, label: String? = nil, licence: String? = nil
    ) {
        self.id = id
        self.publicKey = publicKey
        self.role = role
        self.organization = organization
        self.seconds = seconds
        self.label = label
        self.licence = licence
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        guard P256.Signing.PublicKey.parsePayloadKey(publicKey) != nil else {
            throw BodyValidationError("publicKey must be the invitation's base64url uncompressed P-256 public key")
        }
        guard publicKey != context.signerKeyText else {
            throw BodyValidationError("publicKey must be a key made for this invitation, not the administrator's own")
        }
        guard role != .admin else { throw BodyValidationError("administrators are added with admin.add, not invited") }
        if role == .patient || role == .auditor, organization != nil {
            throw BodyValidationError("a \(role.rawValue) invitation names no organization")
        }
        if role != .doctor, licence != nil { throw BodyValidationError("licence applies to doctor invitations only") }
        guard Invitation.validity.contains(seconds) else {
            throw BodyValidationError("seconds must be from 3600 (1 hour) to 2592000 (30 days)")
        }
        try Validation.optionalLabel(label, field: "label", max: 100)
        try Validation.optionalLabel(licence, field: "licence", max: 64)
        if let organization { try Validation.identifier(organization, field: "organization") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "invitation \(id) for a \(role.rawValue) account"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard state.invitations[id] == nil else { throw ContractDenial("an invitation with this id exists") }
        let organization = try state.invitationOrganization(role: role, requested: self.organization, by: admin)
        state.save(Invitation(
            id: id, publicKey: publicKey, role: role, organization: organization, label: label, licence: licence,
            expires: context.time + seconds * 1000, createdBy: admin.address, createdAt: context.index
        ))
        return nil
    }
}
