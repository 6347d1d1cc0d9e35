/// A sign-in session: a short-lived key the account's owner delegated reading to.
///
/// The web server holds the session's private key (never the account's own) and signs the reads a
/// signed-in page makes with it, so every page view is still a signed, audited ledger entry that
/// anyone can trace to a delegation the owner signed. A session key may only read and close itself.
public struct Session: Codable, Sendable, Equatable {
    /// The address of the session key.
    public var id: AccountAddress
    /// The account that delegated to it.
    public var account: AccountAddress
    /// Base64url of the session key's uncompressed P-256 point.
    public var publicKey: String
    /// Unix milliseconds after which the key reads nothing.
    public var expires: Int64
    /// Block time of the close, if the session was closed.
    public var closedAt: Int64?
    /// Entry index that opened the session.
    public var createdAt: UInt64
    /// For a SMART app's token: the registered app (``ClientApp/id``) the owner delegated to.
    /// Nil for a web sign-in.
    public var app: String?
    /// For an app's token: the SMART scopes the owner granted, normalised
    /// (``SMARTScope/normalized``, plus context scopes such as `launch/patient`). Every read the
    /// key signs must fall within them (``AppScopeRule``).
    public var scopes: [String]?
    /// For an app's token with `patient/` scopes: the patient whose compartment they reach.
    public var patient: AccountAddress?

    public init(
        id: AccountAddress, account: AccountAddress, publicKey: String, expires: Int64, closedAt: Int64? = nil, createdAt: UInt64,
        app: String? = nil, scopes: [String]? = nil, patient: AccountAddress? = nil
    ) {
        self.id = id
        self.account = account
        self.publicKey = publicKey
        self.expires = expires
        self.closedAt = closedAt
        self.createdAt = createdAt
        self.app = app
        self.scopes = scopes
        self.patient = patient
    }

    /// The resource scopes of an app's token (none for a web sign-in).
    public var resourceScopes: [SMARTScope] { (scopes ?? []).compactMap(SMARTScope.init) }

    /// The longest a session may last: one working day.
    public static let maxLifetime: Int64 = 12 * 3_600_000

    /// True while the key may read.
    public func isOpen(at time: Int64) -> Bool { closedAt == nil && time < expires }
}
