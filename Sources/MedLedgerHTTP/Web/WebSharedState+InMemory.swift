import MedLedgerCore
import MedLedgerNode

extension WebSharedState {
    /// Everything in this process's memory: right for a single node, where nothing needs to be
    /// seen by another process and a restart signing everyone out is acceptable. `clock` (Unix ms)
    /// drives the rate limiters' refills.
    public static func inMemory(clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock) -> WebSharedState {
        WebSharedState(
            sessions: InMemoryWebSessionStorage(), throttle: LoginThrottle(), challenges: SignupChallenges(),
            makeRateLimiter: { _, limit in InMemoryRateLimiter(limit: limit, clock: clock) }
        )
    }
}
