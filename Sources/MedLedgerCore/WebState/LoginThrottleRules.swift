/// The rules that slow password guessing per (username, client address) pair, apart from where the
/// failures are counted (``LoginThrottleStore``): after `free` failed log-ins in a window, each
/// further attempt from that client for that username must wait, twice as long after every failure,
/// up to `maxWait`. A success clears the pair.
public struct LoginThrottleRules: Sendable, Equatable {
    /// Failures allowed without waiting.
    public var free = 5
    /// The wait after the first failure beyond `free` (milliseconds); it doubles from there.
    public var firstWait: Int64 = 30_000
    /// The longest wait, and how long failures are remembered (milliseconds).
    public var maxWait: Int64 = 15 * 60_000
    /// Pairs remembered at most by a store in memory; past this the oldest are forgotten.
    public var maxPairs = 100_000

    public init() {}

    /// The wait after `failures` failures: none up to `free`, then `firstWait` doubling to `maxWait`.
    public func wait(afterFailures failures: Int) -> Int64 {
        guard failures >= free else { return 0 }
        let doublings = min(failures - free, 30)
        let (wait, overflow) = firstWait.multipliedReportingOverflow(by: Int64(1) << Int64(doublings))
        return overflow ? maxWait : min(wait, maxWait)
    }

    /// True when failures last counted at `last` are forgotten at `now`.
    public func isForgotten(last: Int64, now: Int64) -> Bool {
        now - last >= maxWait
    }

    /// Milliseconds until another attempt is allowed for a pair with `failures` failures, the last
    /// at `last`; nil when one is allowed at `now`.
    public func retryAfter(failures: Int, last: Int64, now: Int64) -> Int64? {
        guard !isForgotten(last: last, now: now), failures >= free else { return nil }
        let remaining = last + wait(afterFailures: failures) - now
        return remaining > 0 ? remaining : nil
    }
}
