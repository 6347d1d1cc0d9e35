import Crypto
import Logging
import MedLedgerCore
import PostgresNIO

/// Web sessions and pending log-ins in PostgreSQL, so every node behind a load balancer knows
/// every session (``WebSessionStorage``).
///
/// A row holds the SHA-256 of the cookie token, never the token, and the session key sealed with
/// ``SessionKeySeal`` under the web secret all nodes share, never in the clear: a stolen row
/// neither authenticates a browser nor signs anything. A row whose key does not open (another
/// secret) is treated as no session.
///
/// Touching a session writes `last_seen` at most once per ``touchInterval`` (30 s), so a page
/// load costs one read, not a write; the idle limit is therefore counted from a time up to 30 s
/// earlier than the last use. Expired sessions and pending log-ins are deleted when met and at
/// every log-in (``addPending(_:now:)``), which bounds the tables by the log-ins of the last
/// ``WebSessionPolicy/lifetime``.
public struct PostgresWebSessionStorage: WebSessionStorage {
    /// How often a session's `last_seen` is written at most (milliseconds).
    public static let touchInterval: Int64 = 30_000

    let database: PostgresDatabase
    let seal: SessionKeySeal

    /// `secret` is the web secret every node shares (`WebConfiguration.secret`).
    public init(database: PostgresDatabase, secret: SymmetricKey) {
        self.database = database
        self.seal = SessionKeySeal(secret: secret)
    }

    private var logger: Logger { database.logger }

    public func addPending(_ pending: PendingSession, now: Int64) async throws {
        try await sweep(now: now)
        let sealed = ByteBuffer(bytes: try seal.seal(pending.key, account: pending.account))
        try await database.webStateQuery(
            """
            INSERT INTO web_pending_session (session_key, account, username, sealed_key, expires, deadline)
            VALUES (\(pending.sessionAddress.rawValue), \(pending.account.rawValue), \(pending.username), \(sealed), \(pending.expires), \(pending.deadline))
            ON CONFLICT (session_key) DO NOTHING
            """, logger: logger)
    }

    public func takePending(sessionKey: AccountAddress, now: Int64) async throws -> PendingSession? {
        let rows = try await database.webStateQuery(
            """
            DELETE FROM web_pending_session WHERE session_key = \(sessionKey.rawValue)
            RETURNING account, username, sealed_key, expires, deadline
            """, logger: logger)
        for try await (account, username, sealed, expires, deadline) in rows.decode((String, String, ByteBuffer, Int64, Int64).self) {
            guard deadline > now, let address = AccountAddress(account) else { return nil }
            guard let key = open(sealed, account: address), key.publicKey.address == sessionKey else { return nil }
            return PendingSession(account: address, username: username, key: key, expires: expires, deadline: deadline)
        }
        return nil
    }

    public func add(_ session: WebSession, tokenDigest: String, now: Int64) async throws {
        let sealed = ByteBuffer(bytes: try seal.seal(session.key, account: session.account))
        try await database.webStateQuery(
            """
            INSERT INTO web_session (token_digest, account, username, sealed_key, csrf, expires, last_seen)
            VALUES (\(tokenDigest), \(session.account.rawValue), \(session.username), \(sealed), \(session.csrf), \(session.expires), \(session.lastSeen))
            """, logger: logger)
    }

    public func session(tokenDigest: String, now: Int64) async throws -> WebSession? {
        let rows = try await database.webStateQuery(
            "SELECT account, username, sealed_key, csrf, expires, last_seen FROM web_session WHERE token_digest = \(tokenDigest)",
            logger: logger)
        var found: WebSession?
        var opens = true
        for try await (account, username, sealed, csrf, expires, lastSeen) in rows.decode((String, String, ByteBuffer, String, Int64, Int64).self) {
            guard let address = AccountAddress(account), let key = open(sealed, account: address) else {
                opens = false
                continue
            }
            found = WebSession(account: address, username: username, key: key, csrf: csrf, expires: expires, lastSeen: lastSeen)
        }
        guard opens, var session = found else { return nil }
        guard WebSessionPolicy.isLive(expires: session.expires, lastSeen: session.lastSeen, now: now) else {
            try await database.webStateQuery("DELETE FROM web_session WHERE token_digest = \(tokenDigest)", logger: logger)
            return nil
        }
        if now - session.lastSeen >= Self.touchInterval {
            try await database.webStateQuery(
                "UPDATE web_session SET last_seen = GREATEST(last_seen, \(now)) WHERE token_digest = \(tokenDigest)", logger: logger)
        }
        session.lastSeen = now
        return session
    }

    public func remove(tokenDigest: String) async throws -> WebSession? {
        let rows = try await database.webStateQuery(
            "DELETE FROM web_session WHERE token_digest = \(tokenDigest) RETURNING account, username, sealed_key, csrf, expires, last_seen",
            logger: logger)
        var removed: WebSession?
        for try await (account, username, sealed, csrf, expires, lastSeen) in rows.decode((String, String, ByteBuffer, String, Int64, Int64).self) {
            guard let address = AccountAddress(account), let key = open(sealed, account: address) else { continue }
            removed = WebSession(account: address, username: username, key: key, csrf: csrf, expires: expires, lastSeen: lastSeen)
        }
        return removed
    }

    /// The sealed key of `account`, or nil (with a warning: nodes given different web secrets
    /// sign each other's users out) when it does not open.
    private func open(_ sealed: ByteBuffer, account: AccountAddress) -> P256.Signing.PrivateKey? {
        do {
            return try seal.open(Array(buffer: sealed), account: account)
        } catch {
            logger.warning(
                "a stored web session key does not open with this node's web secret; every node must be given the same secret",
                metadata: ["account": "\(account)"])
            return nil
        }
    }

    /// Deletes every session and pending log-in that has ended at `now`.
    public func sweep(now: Int64) async throws {
        let idleSince = now - WebSessionPolicy.idleLimit
        try await database.webStateQuery(
            "DELETE FROM web_session WHERE expires <= \(now) OR last_seen <= \(idleSince)", logger: logger)
        try await database.webStateQuery("DELETE FROM web_pending_session WHERE deadline <= \(now)", logger: logger)
    }
}
