import MedLedgerCore

/// Log-in throttles in this process's memory (one node), under ``LoginThrottleRules``: after
/// `free` failed log-ins in a window, each further attempt from that client for that username must
/// wait, twice as long after every failure, up to `maxWait`. A success clears the pair.
///
/// Keyed by the pair, not by username or address alone, so failures for other usernames never lock
/// a user out of their own account from a shared address, and failures from elsewhere never lock
/// them out at all. Guessing spread over many usernames or addresses is bounded by the sign-in
/// request limits (``SignInLimits``) instead.
actor LoginThrottle: LoginThrottleStore {
    typealias Limits = LoginThrottleRules

    private struct Record {
        var failures: Int
        var last: Int64
    }

    private let limits: Limits
    private var records: [String: Record] = [:]

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    private static func key(username: String, client: String) -> String {
        username.lowercased() + "\u{0}" + client
    }

    /// Milliseconds until another attempt is allowed, or nil when one is allowed now.
    func retryAfter(username: String, client: String, now: Int64) -> Int64? {
        let key = Self.key(username: username, client: client)
        guard let record = records[key] else { return nil }
        if limits.isForgotten(last: record.last, now: now) {
            records[key] = nil
            return nil
        }
        return limits.retryAfter(failures: record.failures, last: record.last, now: now)
    }

    /// The wait after `failures` failures: none up to `free`, then `firstWait` doubling to `maxWait`.
    static func wait(afterFailures failures: Int, limits: Limits) -> Int64 {
        limits.wait(afterFailures: failures)
    }

    func recordFailure(username: String, client: String, now: Int64) {
        let key = Self.key(username: username, client: client)
        var record = records[key] ?? Record(failures: 0, last: now)
        if limits.isForgotten(last: record.last, now: now) { record.failures = 0 }
        record.failures += 1
        record.last = max(record.last, now)
        records[key] = record
        if records.count > limits.maxPairs { forgetOld(now: now) }
    }

    func recordSuccess(username: String, client: String) {
        records[Self.key(username: username, client: client)] = nil
    }

    private func forgetOld(now: Int64) {
        records = records.filter { !limits.isForgotten(last: $0.value.last, now: now) }
        guard records.count > limits.maxPairs else { return }
        let drop = records.count - limits.maxPairs + limits.maxPairs / 10
        for (key, _) in records.sorted(by: { $0.value.last < $1.value.last }).prefix(drop) { records[key] = nil }
    }
}
