/// `doctor.register`: a doctor registers their own key with speciality, licence number and
/// certificate. The account stays pending until an administrator verifies it.
public struct RegisterDoctor: ContractAction, Equatable {
    public static let transactionType = "doctor.register"
    public static let eventStatus = EventStatus.registered
    public static let summary = "register doctor"

    public var displayName: String
    public var speciality: String
    public var licence: String
    /// CID of the uploaded licence certificate.
    public var certificate: String
    /// CID of the encrypted profile (contact details).
    public var profile: String?
    /// The hospital the doctor works in, if any.
    public var organization: String?

    public init(displayName: String, speciality: String, licence: String, certificate: String, profile: String? = nil, organization: String? = nil) {
        self.displayName = displayName
        self.speciality = speciality
        self.licence = licence
        self.certificate = certificate
        self.profile = profile
        self.organization = organization
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.label(displayName, field: "displayName")
        try Validation.label(speciality, field: "speciality")
        try Validation.label(licence, field: "licence", max: 64)
        try Validation.contentID(certificate, field: "certificate")
        try Validation.optionalContentID(profile, field: "profile")
        if let organization { try Validation.identifier(organization, field: "organization") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.doctor = context.actor
        facts.object = "account \(context.actor)"
        try state.checkKeyIsFree(context.actor)
        if let organization {
            guard state.organizations[organization]?.kind == .hospital else { throw ContractDenial("no such hospital") }
        }
        state.save(Account(
            address: context.actor, publicKey: context.signerKeyText, role: .doctor, status: .pending,
            organization: organization, displayName: displayName, speciality: speciality, licence: licence,
            profile: profile, certificate: certificate, createdAt: context.index
        ))
        return nil
    }
}
