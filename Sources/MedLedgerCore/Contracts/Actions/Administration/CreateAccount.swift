import Crypto

/// `account.create`: an administrator creates an account for a key its owner made. System admins
/// create any role but admin (see ``AddAdmin``); an organization's admin creates its doctors and
/// staff. Doctors start pending until verified.
public struct CreateAccount: ContractAction, Equatable {
    public static let transactionType = "account.create"
    public static let eventStatus = EventStatus.created
    public static let summary = "create account"

    public var publicKey: String
    public var role: Role
    /// Required for every role but patient; patients have no name on the ledger.
    public var displayName: String?
    public var organization: String?
    public var speciality: String?
    public var licence: String?
    public var profile: String?
    public var certificate: String?

    public init(
        publicKey: String, role: Role, displayName: String? = nil, organization: String? = nil, speciality: String? = nil,
        licence: String? = nil, profile: String? = nil, certificate: String? = nil
    ) {
        self.publicKey = publicKey
        self.role = role
        self.displayName = displayName
        self.organization = organization
        self.speciality = speciality
        self.licence = licence
        self.profile = profile
        self.certificate = certificate
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.publicKey(publicKey, field: "publicKey")
        guard role != .admin else { throw BodyValidationError("administrators are added with admin.add") }
        if role == .patient {
            guard displayName == nil, speciality == nil, licence == nil, certificate == nil, organization == nil else {
                throw BodyValidationError("a patient account carries only a profile CID; names and details go in the encrypted profile")
            }
        } else {
            guard let displayName else { throw BodyValidationError("displayName is required") }
            try Validation.label(displayName, field: "displayName")
        }
        if role != .doctor, speciality != nil || licence != nil || certificate != nil {
            throw BodyValidationError("speciality, licence and certificate apply to doctors only")
        }
        try Validation.optionalLabel(speciality, field: "speciality")
        try Validation.optionalLabel(licence, field: "licence", max: 64)
        try Validation.optionalContentID(profile, field: "profile")
        try Validation.optionalContentID(certificate, field: "certificate")
        if let organization { try Validation.identifier(organization, field: "organization") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        guard let address = P256.Signing.PublicKey.address(ofPayloadKey: publicKey) else { throw ContractDenial("invalid key") }
        facts.object = "\(role.rawValue) account \(address)"
        if role == .patient { facts.patient = address }
        if role == .doctor { facts.doctor = address }
        if role == .auditor { facts.auditor = address }
        let admin = try state.activeAccount(context.actor, role: .admin)
        try state.checkKeyIsFree(address)
        let organization = admin.isSystemAdmin ? self.organization : (self.organization ?? admin.organization)
        if !admin.isSystemAdmin, organization != admin.organization {
            throw ContractDenial("an organization's administrator creates accounts in their own organization only")
        }
        if let organization {
            guard let kind = state.organizations[organization]?.kind else { throw ContractDenial("no such organization") }
            guard role.organizationKind == kind else {
                throw ContractDenial("a \(role.rawValue) account cannot belong to a \(kind.rawValue)")
            }
        } else if role == .hospitalManagement || role == .pharmacy {
            throw ContractDenial("a \(role.rawValue) account must belong to an organization")
        }
        state.save(Account(
            address: address, publicKey: publicKey, role: role, status: role == .doctor ? .pending : .active,
            organization: organization, displayName: displayName, speciality: speciality, licence: licence,
            profile: profile, certificate: certificate, createdAt: context.index
        ))
        return nil
    }
}
