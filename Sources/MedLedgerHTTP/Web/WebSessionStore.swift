import Crypto
import MedLedgerCore

/// Starts, finds and ends web sessions on top of a ``WebSessionStorage`` (this node's memory, or a
/// database every node shares): makes the session keys and cookie tokens, and hands the storage
/// only the SHA-256 of a token, so neither a memory dump nor a database row yields a live cookie.
/// Sessions end after ``idleLimit`` without use or at their absolute expiry (``WebSessionPolicy``).
struct WebSessionStore: Sendable {
    /// The longest a web session lasts.
    static let lifetime = WebSessionPolicy.lifetime
    /// A session unused this long ends.
    static let idleLimit = WebSessionPolicy.idleLimit
    /// How long a login's session key waits for the signed `session.open`.
    static let pendingLimit = WebSessionPolicy.pendingLimit

    let storage: any WebSessionStorage

    init(storage: any WebSessionStorage = InMemoryWebSessionStorage()) {
        self.storage = storage
    }

    /// Makes a session key for a user who proved their password; returns it with its expiry.
    func begin(account: AccountAddress, username: String, now: Int64) async throws -> PendingSession {
        let value = PendingSession(
            account: account, username: username, key: P256.Signing.PrivateKey(), expires: now + Self.lifetime,
            deadline: now + Self.pendingLimit
        )
        try await storage.addPending(value, now: now)
        return value
    }

    /// Takes the pending session whose key a `session.open` named, if still waiting.
    func takePending(sessionKey: AccountAddress, now: Int64) async throws -> PendingSession? {
        try await storage.takePending(sessionKey: sessionKey, now: now)
    }

    /// Starts the session once the ledger accepted its opening; returns the cookie token.
    func activate(_ value: PendingSession, now: Int64) async throws -> (token: String, session: WebSession) {
        let token = Self.randomToken()
        let session = WebSession(
            account: value.account, username: value.username, key: value.key, csrf: Self.randomToken(), expires: value.expires,
            lastSeen: now
        )
        try await storage.add(session, tokenDigest: Self.digest(token), now: now)
        return (token, session)
    }

    /// The live session for a cookie token; touching it restarts the idle clock.
    func session(token: String, now: Int64) async throws -> WebSession? {
        try await storage.session(tokenDigest: Self.digest(token), now: now)
    }

    /// Ends the session of a cookie token.
    func end(token: String) async throws -> WebSession? {
        try await storage.remove(tokenDigest: Self.digest(token))
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64Coding.url((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func digest(_ token: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(token.utf8))))
    }
}
