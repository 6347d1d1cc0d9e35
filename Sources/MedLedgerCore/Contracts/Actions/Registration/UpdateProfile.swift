/// `profile.update`: an active account saves a new version of its encrypted profile (and, for
/// professionals, the name and speciality shown to others, which apply at once). Earlier versions
/// are kept (``Account/profileVersions``) for the owner to read. A doctor's licence facts are not
/// changed here: they go to an administrator first (``ChangeLicence``).
public struct UpdateProfile: ContractAction, Equatable {
    public static let transactionType = "profile.update"
    public static let eventStatus = EventStatus.changed
    public static let summary = "update profile"

    public var profile: String
    public var displayName: String?
    public var speciality: String?

    public init(profile: String, displayName: String? = nil, speciality: String? = nil) {
        self.profile = profile
        self.displayName = displayName
        self.speciality = speciality
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.contentID(profile, field: "profile")
        try Validation.optionalLabel(displayName, field: "displayName")
        try Validation.optionalLabel(speciality, field: "speciality")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "account \(context.actor)"
        var account = try state.activeAccount(context.actor)
        if account.role == .patient, displayName != nil || speciality != nil {
            throw ContractDenial("a patient's name and details belong in the encrypted profile")
        }
        if speciality != nil, account.role != .doctor { throw ContractDenial("only doctors have a speciality") }
        var versions = account.profileHistory
        versions.append(ProfileVersion(number: (versions.last?.number ?? 0) + 1, content: profile, entry: context.index, time: context.time))
        account.profileVersions = versions
        account.profile = profile
        if let displayName { account.displayName = displayName }
        if let speciality { account.speciality = speciality }
        state.save(account)
        return nil
    }
}
