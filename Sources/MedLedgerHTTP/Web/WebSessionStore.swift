import Crypto
import MedLedgerCore

/// Keeps web sessions by the SHA-256 of their cookie token, so a memory dump does not yield live
/// cookies, and ends them after ``idleLimit`` without use or at their absolute expiry.
actor WebSessionStore {
    /// The longest a web session lasts.
    static let lifetime: Int64 = 8 * 3_600_000
    /// A session unused this long ends.
    static let idleLimit: Int64 = 30 * 60_000
    /// How long a login's session key waits for the signed `session.open`.
    static let pendingLimit: Int64 = 2 * 60_000

    private var sessions: [String: WebSession] = [:]
    private var pending: [AccountAddress: PendingSession] = [:]

    /// Makes a session key for a user who proved their password; returns it with its expiry.
    func begin(account: AccountAddress, username: String, now: Int64) -> PendingSession {
        prune(now: now)
        let value = PendingSession(
            account: account, username: username, key: P256.Signing.PrivateKey(), expires: now + Self.lifetime,
            deadline: now + Self.pendingLimit
        )
        pending[value.key.publicKey.address] = value
        return value
    }

    /// Takes the pending session whose key a `session.open` named, if still waiting.
    func takePending(sessionKey: AccountAddress, now: Int64) -> PendingSession? {
        guard let value = pending.removeValue(forKey: sessionKey), value.deadline > now else { return nil }
        return value
    }

    /// Starts the session once the ledger accepted its opening; returns the cookie token.
    func activate(_ value: PendingSession, now: Int64) -> (token: String, session: WebSession) {
        let token = Self.randomToken()
        let session = WebSession(
            account: value.account, username: value.username, key: value.key, csrf: Self.randomToken(), expires: value.expires,
            lastSeen: now
        )
        sessions[Self.digest(token)] = session
        return (token, session)
    }

    /// The live session for a cookie token; touching it restarts the idle clock.
    func session(token: String, now: Int64) -> WebSession? {
        let key = Self.digest(token)
        guard var session = sessions[key] else { return nil }
        guard now < session.expires, now - session.lastSeen < Self.idleLimit else {
            sessions[key] = nil
            return nil
        }
        session.lastSeen = now
        sessions[key] = session
        return session
    }

    /// Ends the session of a cookie token.
    func end(token: String) -> WebSession? {
        sessions.removeValue(forKey: Self.digest(token))
    }

    private func prune(now: Int64) {
        pending = pending.filter { $0.value.deadline > now }
        sessions = sessions.filter { now < $0.value.expires && now - $0.value.lastSeen < Self.idleLimit }
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64Coding.url((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func digest(_ token: String) -> String {
        Hex.encode(Array(SHA256.hash(data: Array(token.utf8))))
    }
}
