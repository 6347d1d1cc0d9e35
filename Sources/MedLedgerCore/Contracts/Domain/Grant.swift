/// A patient's permission for one account to see (and, for doctors, change) some of their records
/// until `expires`.
public struct Grant: Codable, Sendable, Equatable {
    public var id: String
    public var patient: AccountAddress
    public var grantee: AccountAddress
    public var scope: AccessScope
    /// Unix milliseconds; the grant no longer applies at or after this time.
    public var expires: Int64
    /// Consumed by the first read of a record it covers.
    public var oneTime: Bool
    public var status: GrantStatus
    /// The access request this grant answered, if any.
    public var request: String?
    public var createdAt: UInt64
    public var createdTime: Int64

    public init(
        id: String, patient: AccountAddress, grantee: AccountAddress, scope: AccessScope, expires: Int64, oneTime: Bool,
        status: GrantStatus = .active, request: String? = nil, createdAt: UInt64, createdTime: Int64
    ) {
        self.id = id
        self.patient = patient
        self.grantee = grantee
        self.scope = scope
        self.expires = expires
        self.oneTime = oneTime
        self.status = status
        self.request = request
        self.createdAt = createdAt
        self.createdTime = createdTime
    }

    /// True when the grant applies at `time`.
    public func isActive(at time: Int64) -> Bool { status == .active && time < expires }
}

/// The life of a grant.
public enum GrantStatus: String, Codable, Sendable {
    case active
    case revoked
    /// A one-time grant that has been used.
    case consumed
}
