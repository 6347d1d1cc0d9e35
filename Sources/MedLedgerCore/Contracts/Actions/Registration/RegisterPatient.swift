/// `patient.register`: anyone registers their own key as a patient. Names, birth date and every
/// other detail go in the encrypted profile the CID names.
public struct RegisterPatient: ContractAction, Equatable {
    public static let transactionType = "patient.register"
    public static let eventStatus = EventStatus.registered
    public static let summary = "register patient"

    public var profile: String?

    public init(profile: String? = nil) { self.profile = profile }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.optionalContentID(profile, field: "profile")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = context.actor
        facts.object = "account \(context.actor)"
        try state.checkKeyIsFree(context.actor)
        state.save(Account(
            address: context.actor, publicKey: context.signerKeyText, role: .patient, status: .active,
            profile: profile, createdAt: context.index
        ))
        return nil
    }
}
