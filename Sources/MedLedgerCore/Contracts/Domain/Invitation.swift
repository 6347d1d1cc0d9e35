/// A one-time sign-up link an administrator made: the ledger keeps the public key of a P-256 key
/// pair made for this invitation alone (the private key is only in the link), the role and
/// organization the new account gets and an expiry. Whoever holds the private key registers their
/// own key with ``AcceptInvitation`` exactly once, proving it with an ``InvitationProof``.
///
/// Nothing here identifies a person: the label is a public note the administrator chose (a team,
/// a clinic; never a patient's name), and a doctor invitation may carry the licence number the
/// administrator checked, which professional registers publish anyway.
public struct Invitation: Codable, Sendable, Equatable {
    public var id: String
    /// The invitation's public key as bodies spell keys (base64url of the uncompressed point).
    public var publicKey: String
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
        id: String, publicKey: String, role: Role, organization: String?, label: String?, licence: String?, expires: Int64,
        createdBy: AccountAddress, createdAt: UInt64
    ) {
        self.id = id
        self.publicKey = publicKey
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
