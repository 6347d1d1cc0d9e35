/// Slows password guessing per (username, client address) pair: after `free` failed log-ins in a
/// window, each further attempt from that client for that username must wait, twice as long after
/// every failure, up to `maxWait`. A success clears the pair.
///
/// Keyed by the pair, not by username or address alone, so failures for other usernames never lock
/// a user out of their own account from a shared address, and failures from elsewhere never lock
/// them out at all. Guessing spread over many usernames or addresses is bounded by the sign-in
/// request limits (``SignInLimits``) instead.
actor LoginThrottle {
    struct Limits: Sendable {
        /// Failures allowed without waiting.
        var free = 5
        /// The wait after the first failure beyond `free` (milliseconds); it doubles from there.
        var firstWait: Int64 = 30_000
        /// The longest wait, and how long failures are remembered (milliseconds).
        var maxWait: Int64 = 15 * 60_000
        /// Pairs remembered at most; past this the oldest are forgotten.
        var maxPairs = 100_000
    }

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
        if now - record.last >= limits.maxWait {
            records[key] = nil
            return nil
        }
        guard record.failures >= limits.free else { return nil }
        let wait = Self.wait(afterFailures: record.failures, limits: limits)
        let remaining = record.last + wait - now
        return remaining > 0 ? remaining : nil
    }

    /// The wait after `failures` failures: none up to `free`, then `firstWait` doubling to `maxWait`.
    static func wait(afterFailures failures: Int, limits: Limits) -> Int64 {
        guard failures >= limits.free else { return 0 }
        let doublings = min(failures - limits.free, 30)
        let (wait, overflow) = limits.firstWait.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? limits.maxWait : min(wait, limits.maxWait)
    }

    func recordFailure(username: String, client: String, now: Int64) {
        let key = Self.key(username: username, client: client)
        var record = records[key] ?? Record(failures: 0, last: now)
        if now - record.last >= limits.maxWait { record.failures = 0 }
        record.failures += 1
        record.last = now
        records[key] = record
        if records.count > limits.maxPairs { forgetOld(now: now) }
    }

    func recordSuccess(username: String, client: String) {
        records[Self.key(username: username, client: client)] = nil
    }

    private func forgetOld(now: Int64) {
        records = records.filter { now - $0.value.last < limits.maxWait }
        guard records.count > limits.maxPairs else { return }
        let drop = records.count - limits.maxPairs + limits.maxPairs / 10
        for (key, _) in records.sorted(by: { $0.value.last < $1.value.last }).prefix(drop) { records[key] = nil }
    }
}
