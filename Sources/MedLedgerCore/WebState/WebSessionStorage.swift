/// Where web sessions and pending log-ins are kept. A protocol so that one node can keep them in
/// memory while several nodes behind a load balancer share them in a database: a browser whose
/// next request lands on another node must still be signed in, and a `session.open` may reach
/// another node than the log-in that handed out its key.
///
/// Sessions are keyed by the hex SHA-256 of their cookie token (never the token itself), pending
/// log-ins by the address of their session key. Expiry follows ``WebSessionPolicy`` with the `now`
/// values callers pass; expired entries are never returned and are deleted when met.
public protocol WebSessionStorage: Sendable {
    /// Keeps a pending log-in until its `deadline`.
    func addPending(_ pending: PendingSession, now: Int64) async throws

    /// Removes and returns the pending log-in for `sessionKey`, if it is still waiting at `now`.
    /// Only one caller ever gets it, however many nodes ask at once.
    func takePending(sessionKey: AccountAddress, now: Int64) async throws -> PendingSession?

    /// Keeps a session that has just started.
    func add(_ session: WebSession, tokenDigest: String, now: Int64) async throws

    /// The live session for a token digest, touched at `now` (its idle clock restarts); nil, and
    /// deleted, when it expired.
    func session(tokenDigest: String, now: Int64) async throws -> WebSession?

    /// Ends a session; returns it when there was one.
    func remove(tokenDigest: String) async throws -> WebSession?
}
