import Crypto

/// A one-time sign-up link an administrator made: the ledger keeps the SHA-256 hash of a random
/// secret (never the secret), the role and organization the new account gets and an expiry.
/// Whoever holds the secret registers their own key with ``AcceptInvitation`` exactly once.
///
/// Nothing here identifies a person: the label is a public note the administrator chose (a team,
/// a clinic; never a patient's name), and a doctor invitation may carry the licence number the
/// administrator checked, which professional registers publish anyway.
public struct Invitation: Codable, Sendable, Equatable {
    public var id: String
    /// Base64url of SHA-256 over the 32 secret bytes the administrator's browser made.
    public var secretHash: String
    public var role: Role
    /// The hospital or pharmacy the new account belongs to; nil for patients and auditors, and for
    /// doctors a system administrator invites without one.
    public var organization: String?
    /// A public note for the administrators' list.
    public var label: String?
    /// For a doctor: the licence number the administrator checked. The doctor's registration must
    /// give the same number, and the account is then active at once (the invitation is the
    /// verification). Without it, an invited doctor waits for verification like any other.
    public var licence: String?
    /// When the invitation stops working (Unix milliseconds).
    public var expires: Int64
    /// The administrator who made it.
    public var createdBy: AccountAddress
    public var status: InvitationStatus
    /// The key that registered with it.
    public var usedBy: AccountAddress?
    /// The entry that used or revoked it.
    public var closedAt: UInt64?
    /// The administrator who revoked it.
    public var revokedBy: AccountAddress?
    /// Entry index that created the invitation.
    public var createdAt: UInt64

    public init(
        id: String, secretHash: String, role: Role, organization: String?, label: String?, licence: String?, expires: Int64,
        createdBy: AccountAddress, createdAt: UInt64
    ) {
        self.id = id
        self.secretHash = secretHash
        self.role = role
        self.organization = organization
        self.label = label
        self.licence = licence
        self.expires = expires
        self.createdBy = createdBy
        self.status = .open
        self.createdAt = createdAt
    }

    /// Where the invitation stands at `time`: an open invitation past its expiry is expired.
    public func standing(at time: Int64) -> InvitationStanding {
        switch status {
        case .used: .used
        case .revoked: .revoked
        case .open: time < expires ? .open : .expired
        }
    }

    /// The hash the ledger keeps for `secret`: base64url of its SHA-256.
    public static func hash(ofSecret secret: [UInt8]) -> String {
        Base64Coding.url(Array(SHA256.hash(data: secret)))
    }

    /// How many random bytes a secret has.
    public static let secretLength = 32
    /// The shortest and longest validity an administrator may give (1 hour, 30 days).
    public static let validity: ClosedRange<Int64> = 3_600...2_592_000
}

/// What the ledger records of an invitation's use.
public enum InvitationStatus: String, Codable, Sendable, CaseIterable {
    case open
    case used
    case revoked
}

/// An invitation's state as people see it: the recorded status, with expiry applied.
public enum InvitationStanding: String, Codable, Sendable, CaseIterable {
    case open
    case used
    case revoked
    case expired
}
