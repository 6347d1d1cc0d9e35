import Crypto

/// A signed-in browser session: who it is for, the session key the user delegated reading to, and
/// when it ends. Kept by a ``WebSessionStorage`` under the SHA-256 of its cookie token, so neither
/// memory nor a database row holds a usable cookie.
///
/// `key` is the session key the user delegated reading to with `session.open`; it is the server's
/// own short-lived key, never the user's.
public struct WebSession: Sendable {
    public let account: AccountAddress
    public let username: String
    public let key: P256.Signing.PrivateKey
    /// Sent in pages and required back on cookie-authenticated POSTs.
    public let csrf: String
    /// Absolute end (Unix ms), the same as the ledger session's `expires`.
    public let expires: Int64
    /// When the session was last used (Unix ms); the idle limit counts from here.
    public var lastSeen: Int64

    public init(account: AccountAddress, username: String, key: P256.Signing.PrivateKey, csrf: String, expires: Int64, lastSeen: Int64) {
        self.account = account
        self.username = username
        self.key = key
        self.csrf = csrf
        self.expires = expires
        self.lastSeen = lastSeen
    }

    public var sessionAddress: AccountAddress { key.publicKey.address }
}
