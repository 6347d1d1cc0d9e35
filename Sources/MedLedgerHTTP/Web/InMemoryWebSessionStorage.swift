import MedLedgerCore

/// Web sessions in this process's memory: for a single node, where a restart signing everyone out
/// is acceptable. Touches are exact (every use restarts the idle clock); expired entries are
/// pruned whenever a log-in begins.
actor InMemoryWebSessionStorage: WebSessionStorage {
    private var sessions: [String: WebSession] = [:]
    private var pending: [AccountAddress: PendingSession] = [:]

    init() {}

    func addPending(_ value: PendingSession, now: Int64) {
        prune(now: now)
        pending[value.sessionAddress] = value
    }

    func takePending(sessionKey: AccountAddress, now: Int64) -> PendingSession? {
        guard let value = pending.removeValue(forKey: sessionKey), value.deadline > now else { return nil }
        return value
    }

    func add(_ session: WebSession, tokenDigest: String, now: Int64) {
        sessions[tokenDigest] = session
    }

    func session(tokenDigest: String, now: Int64) -> WebSession? {
        guard var session = sessions[tokenDigest] else { return nil }
        guard WebSessionPolicy.isLive(expires: session.expires, lastSeen: session.lastSeen, now: now) else {
            sessions[tokenDigest] = nil
            return nil
        }
        session.lastSeen = now
        sessions[tokenDigest] = session
        return session
    }

    func remove(tokenDigest: String) -> WebSession? {
        sessions.removeValue(forKey: tokenDigest)
    }

    private func prune(now: Int64) {
        pending = pending.filter { $0.value.deadline > now }
        sessions = sessions.filter { WebSessionPolicy.isLive(expires: $0.value.expires, lastSeen: $0.value.lastSeen, now: now) }
    }
}
