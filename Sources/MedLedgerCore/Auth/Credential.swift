/// What the server keeps so a user can sign in from any device without it ever holding a usable key.
///
/// The browser derives two keys from the password (PBKDF2-SHA256 over `salt`): one wraps the private
/// signing key (the server stores only the result, `wrappedKey`), the other proves the password
/// (the server stores only a slow hash of it, `authHash`).
public struct Credential: Sendable, Equatable {
    /// Unique, compared without regard to case.
    public var username: String
    public var address: AccountAddress
    /// Base64url of the uncompressed P-256 point.
    public var publicKey: String
    /// The role the user signed up for; the ledger account decides what they may do.
    public var role: Role
    /// Base64url PBKDF2 salt.
    public var salt: String
    public var iterations: Int
    /// Base64url of AES-GCM nonce ‖ ciphertext ‖ tag of the PKCS#8 private key.
    public var wrappedKey: String
    /// The slow hash of the authentication key, and its salt.
    public var authHash: [UInt8]
    public var authSalt: [UInt8]
    /// Unix milliseconds.
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        username: String, address: AccountAddress, publicKey: String, role: Role, salt: String, iterations: Int,
        wrappedKey: String, authHash: [UInt8], authSalt: [UInt8], createdAt: Int64, updatedAt: Int64
    ) {
        self.username = username
        self.address = address
        self.publicKey = publicKey
        self.role = role
        self.salt = salt
        self.iterations = iterations
        self.wrappedKey = wrappedKey
        self.authHash = authHash
        self.authSalt = authSalt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// The fewest PBKDF2 iterations accepted for a password-derived key.
    public static let minimumIterations = 600_000

    /// How long a sign-up may wait for an administrator to create its account by default: two
    /// weeks (`serve --pending-signup-days`).
    public static let defaultAwaitingLifetime: Int64 = 14 * 86_400_000

    /// When this sign-up stops counting if no account exists for its key by then (Unix
    /// milliseconds): it no longer signs in and its username may be taken again, so a name
    /// cannot be held forever by a sign-up nobody vouches for. Once the ledger has an account for
    /// the key the credential never expires.
    public func awaitingAccountExpires(lifetime: Int64) -> Int64 {
        let (sum, overflow) = createdAt.addingReportingOverflow(max(0, lifetime))
        return overflow ? .max : sum
    }

    /// True when the sign-up, still without an account, is past ``awaitingAccountExpires(lifetime:)``.
    public func awaitingAccountExpired(now: Int64, lifetime: Int64) -> Bool {
        now >= awaitingAccountExpires(lifetime: lifetime)
    }
}
