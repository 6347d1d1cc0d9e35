/// `invitation.accept`: the invitee registers their own new key with a proof made with the
/// invitation's private key (``InvitationProof``), bound to this ledger, this invitation, the new
/// key and the role. The account gets the invitation's role and organization; the invitation is
/// used up. Even a refused acceptance reveals nothing reusable: the proof is good only for the key
/// that signed the envelope.
///
/// Patients, auditors, hospital management and pharmacy staff are active at once: the
/// administrator who could have created their account chose to invite them. A doctor is active at
/// once only when the invitation carries the licence number the administrator checked and the
/// registration gives the same number; otherwise the doctor waits for ``VerifyDoctor`` like any
/// doctor who signs up alone.
public struct AcceptInvitation: ContractAction, Equatable {
    public static let transactionType = "invitation.accept"
    public static let eventStatus = EventStatus.registered
    public static let summary = "accept invitation"

    public var invitation: String
    /// Base64url `r‖s` signature by the invitation's key over ``InvitationProof/message(origin:invitation:invitee:role:)``
    /// for the signer's key.
    public var proof: String
    /// The role the invitee expects; must be the invitation's.
    public var role: Role
    /// Required for every role but patient.
    public var displayName: String?
    public var speciality: String?
    public var licence: String?
    public var certificate: String?
    public var profile: String?

    public init(
        invitation: String, proof: String, role: Role, displayName: String? = nil, speciality: String? = nil, licence: String? = nil,
        certificate: String? = nil, profile: String? = nil
    ) {
        self.invitation = invitation
        self.proof = proof
        self.role = role
        self.displayName = displayName
        self.speciality = speciality
        self.licence = licence
        self.certificate = certificate
        self.profile = profile
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(invitation, field: "invitation")
        guard InvitationProof.isWellFormed(proof) else {
            throw BodyValidationError("proof must be a base64url 64-byte P-256 signature (86 characters)")
        }
        guard role != .admin else { throw BodyValidationError("administrators are added with admin.add, not invited") }
        switch role {
        case .patient:
            guard displayName == nil, speciality == nil, licence == nil, certificate == nil else {
                throw BodyValidationError("a patient carries only a profile CID; names and details go in the encrypted profile")
            }
        case .doctor:
            guard let displayName, let speciality, let licence, let certificate else {
                throw BodyValidationError("a doctor gives displayName, speciality, licence and certificate")
            }
            try Validation.label(displayName, field: "displayName")
            try Validation.label(speciality, field: "speciality")
            try Validation.label(licence, field: "licence", max: 64)
            try Validation.contentID(certificate, field: "certificate")
        case .auditor, .hospitalManagement, .pharmacy, .admin:
            guard let displayName else { throw BodyValidationError("displayName is required") }
            try Validation.label(displayName, field: "displayName")
            guard speciality == nil, licence == nil, certificate == nil else {
                throw BodyValidationError("speciality, licence and certificate apply to doctors only")
            }
        }
        try Validation.optionalContentID(profile, field: "profile")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "invitation \(invitation)"
        switch role {
        case .patient: facts.patient = context.actor
        case .doctor: facts.doctor = context.actor
        case .auditor: facts.auditor = context.actor
        default: break
        }
        guard var invited = state.invitations[invitation] else { throw ContractDenial("no such invitation") }
        guard let origin = state.ledger?.origin else { throw ContractDenial("this ledger's origin is not known; invitations cannot be checked") }
        do {
            try InvitationProof.verify(
                proof: proof, invitationKey: invited.publicKey, origin: origin, invitation: invitation, invitee: context.signerKeyText, role: role)
        } catch {
            switch error {
            case .nonCanonical: throw ContractDenial("the invitation proof is not in low-S form")
            case .badKey, .malformed, .badSignature:
                throw ContractDenial("the invitation proof does not match; use the whole link the administrator gave you, on this ledger, with your new key")
            }
        }
        switch invited.standing(at: context.time) {
        case .open: break
        case .used: throw ContractDenial("the invitation was already used; each invitation registers one account")
        case .revoked: throw ContractDenial("the invitation was revoked by an administrator")
        case .expired: throw ContractDenial("the invitation expired; ask the administrator for a new one")
        }
        guard role == invited.role else {
            throw ContractDenial("the invitation is for a \(invited.role.rawValue) account, not a \(role.rawValue) account")
        }
        // The issuer must still be an administrator who could make it now.
        guard let issuer = state.accounts[invited.createdBy], issuer.role == .admin, issuer.status == .active,
            issuer.isSystemAdmin || invited.organization == nil || issuer.organization == invited.organization
        else { throw ContractDenial("the administrator who made the invitation no longer administers it") }
        if let checked = invited.licence, checked != licence {
            throw ContractDenial("the licence number is not the one the administrator checked for this invitation")
        }
        try state.checkKeyIsFree(context.actor)
        let status: AccountStatus = role == .doctor && invited.licence == nil ? .pending : .active
        state.save(Account(
            address: context.actor, publicKey: context.signerKeyText, role: role, status: status, organization: invited.organization,
            displayName: displayName, speciality: speciality, licence: licence, profile: profile, certificate: certificate,
            createdAt: context.index
        ))
        invited.status = .used
        invited.usedBy = context.actor
        invited.closedAt = context.index
        state.save(invited)
        return nil
    }
}
