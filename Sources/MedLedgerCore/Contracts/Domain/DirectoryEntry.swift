/// One verified professional as the directory shows them: the public register facts a patient
/// needs to pick whom to grant (``SearchDirectory``). Never a patient, never contact details.
public struct DirectoryEntry: Codable, Sendable, Equatable {
    public var address: AccountAddress
    public var role: Role
    public var displayName: String
    public var speciality: String?
    /// The id of the hospital or pharmacy the account belongs to, if any.
    public var organization: String?
    /// That organization's registered name.
    public var organizationName: String?

    public init(
        address: AccountAddress, role: Role, displayName: String, speciality: String? = nil, organization: String? = nil,
        organizationName: String? = nil
    ) {
        self.address = address
        self.role = role
        self.displayName = displayName
        self.speciality = speciality
        self.organization = organization
        self.organizationName = organizationName
    }
}
