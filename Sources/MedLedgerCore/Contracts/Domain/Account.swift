/// An account: a public key with a role and a status.
///
/// Only professional facts that registers publish anyway (display name, speciality, licence number)
/// are kept in clear; contact details and every patient detail live in the encrypted profile the
/// `profile` CID names.
public struct Account: Codable, Sendable, Equatable {
    public var address: AccountAddress
    /// Base64url of the uncompressed P-256 point.
    public var publicKey: String
    public var role: Role
    public var status: AccountStatus
    /// The hospital or pharmacy the account belongs to; nil for patients, auditors and system admins.
    public var organization: String?
    /// Shown to other users; nil for patients.
    public var displayName: String?
    public var speciality: String?
    public var licence: String?
    /// CID of the encrypted profile document.
    public var profile: String?
    /// CID of a doctor's licence certificate.
    public var certificate: String?
    /// Every version of the profile, oldest first (the last is ``profile``); nil until the profile
    /// first changes (``profileHistory`` then stands for it). Absent from older documents, which
    /// still decode and re-encode byte for byte.
    public var profileVersions: [ProfileVersion]?
    /// A verified doctor's licence facts waiting for an administrator; nil when none is.
    public var licenceChange: LicenceChange?
    /// The status to restore on reactivation.
    public var suspendedFrom: AccountStatus?
    /// A patient's latest erasure request and its decision; nil for accounts that never asked.
    /// Absent from documents stored before erasure existed, which therefore still decode (and
    /// re-encode byte for byte).
    public var erasure: ErasureRequest?
    /// Entry index that created the account.
    public var createdAt: UInt64

    public init(
        address: AccountAddress, publicKey: String, role: Role, status: AccountStatus, organization: String? = nil,
        displayName: String? = nil, speciality: String? = nil, licence: String? = nil, profile: String? = nil,
        certificate: String? = nil, createdAt: UInt64
    ) {
        self.address = address
        self.publicKey = publicKey
        self.role = role
        self.status = status
        self.organization = organization
        self.displayName = displayName
        self.speciality = speciality
        self.licence = licence
        self.profile = profile
        self.certificate = certificate
        self.createdAt = createdAt
    }

    /// Every version of the profile, oldest first: the kept versions, or the profile the account
    /// was created with as version 1 (saved at the entry that created the account).
    public var profileHistory: [ProfileVersion] {
        if let profileVersions { return profileVersions }
        return profile.map { [ProfileVersion(number: 1, content: $0, entry: createdAt, time: nil)] } ?? []
    }

    /// The account as users other than its owner and its administrators see it: without the
    /// history of its profile and without licence facts no administrator has verified yet.
    public var publicView: Account {
        var view = self
        view.profileVersions = nil
        view.licenceChange = nil
        return view
    }

    /// An administrator of the whole system (not of one organization).
    public var isSystemAdmin: Bool { role == .admin && organization == nil }
}
