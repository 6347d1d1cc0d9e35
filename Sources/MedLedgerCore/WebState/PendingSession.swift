import Crypto

/// A session key handed out by `/auth/login` and waiting for the user's signed `session.open`.
/// Shared like sessions, because the browser may send its `session.open` to another node than the
/// one that answered the log-in.
public struct PendingSession: Sendable {
    public let account: AccountAddress
    public let username: String
    public let key: P256.Signing.PrivateKey
    public let expires: Int64
    /// After this the pending key is dropped (ms).
    public let deadline: Int64

    public init(account: AccountAddress, username: String, key: P256.Signing.PrivateKey, expires: Int64, deadline: Int64) {
        self.account = account
        self.username = username
        self.key = key
        self.expires = expires
        self.deadline = deadline
    }

    /// The address `session.open` names this key by.
    public var sessionAddress: AccountAddress { key.publicKey.address }
}
