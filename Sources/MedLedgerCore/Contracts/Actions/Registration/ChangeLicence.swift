/// `doctor.licence.change`: a verified doctor states new licence facts — licence number,
/// certificate, hospital — which an administrator must verify before they count.
///
/// The rule, in one place: the change is held on the account (``Account/licenceChange``) and
/// replaces any earlier one still waiting; the doctor keeps practising on the verified facts, and
/// every other user sees those, until an administrator of the hospital the doctor will belong to
/// (or a system administrator) approves it with `doctor.verify` naming this entry (then the facts
/// apply) or rejects it (then nothing changes). Speciality and contact details are not licence
/// facts: `profile.update` changes them at once.
public struct ChangeLicence: ContractAction, Equatable {
    public static let transactionType = "doctor.licence.change"
    public static let eventStatus = EventStatus.requested
    public static let summary = "change licence facts of"

    public var licence: String
    /// CID of a newly uploaded certificate; nil keeps the verified one.
    public var certificate: String?
    /// The hospital the doctor works in; nil for none.
    public var organization: String?

    public init(licence: String, certificate: String? = nil, organization: String? = nil) {
        self.licence = licence
        self.certificate = certificate
        self.organization = organization
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.label(licence, field: "licence", max: 64)
        try Validation.optionalContentID(certificate, field: "certificate")
        if let organization { try Validation.identifier(organization, field: "organization") }
    }

    public func contentClaims(in state: ContractState, actor: AccountAddress) -> [ContentClaim] {
        certificate.map { [ContentClaim(field: "certificate", cid: $0, owner: actor)] } ?? []
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.doctor = context.actor
        facts.object = "account \(context.actor)"
        var account = try state.activeAccount(context.actor, role: .doctor)
        if let organization {
            guard state.organizations[organization]?.kind == .hospital else { throw ContractDenial("no such hospital") }
        }
        guard let verified = account.certificate else { throw ContractDenial("the doctor has no verified certificate") }
        let change = LicenceChange(
            licence: licence, certificate: certificate ?? verified, organization: organization, entry: context.index, time: context.time)
        guard change.licence != account.licence || change.certificate != verified || change.organization != account.organization else {
            throw ContractDenial("these are the verified licence facts; nothing to change")
        }
        account.licenceChange = change
        state.save(account)
        return nil
    }
}
