import Crypto
import MedLedgerCore

/// A signed-in browser session, held in memory only (a restart signs everyone out).
///
/// `key` is the session key the user delegated reading to with `session.open`; it is the server's
/// own short-lived key, never the user's.
struct WebSession: Sendable {
    let account: AccountAddress
    let username: String
    let key: P256.Signing.PrivateKey
    /// Sent in pages and required back on cookie-authenticated POSTs.
    let csrf: String
    /// Absolute end (Unix ms), the same as the ledger session's `expires`.
    let expires: Int64
    var lastSeen: Int64

    var sessionAddress: AccountAddress { key.publicKey.address }
}

/// A session key handed out by `/auth/login` and waiting for the user's signed `session.open`.
struct PendingSession: Sendable {
    let account: AccountAddress
    let username: String
    let key: P256.Signing.PrivateKey
    let expires: Int64
    /// After this the pending key is dropped (ms).
    let deadline: Int64
}
