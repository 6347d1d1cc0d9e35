/// Decides whether a key (an account address, a client address, a username) may spend `cost` units
/// now. A protocol so that one node can keep its buckets in memory while several nodes behind a
/// load balancer share theirs in a database.
///
/// Implementations must answer every key, whatever a client chose it to be, without trapping, and
/// keep memory bounded however many keys arrive.
public protocol RateLimiter: Sendable {
    /// Spends `cost` units of `key`'s budget when there are enough; otherwise spends nothing and
    /// says how long to wait. Throws only when a shared store cannot be reached.
    func acquire(key: String, cost: Int) async throws -> RateLimitDecision

    /// Whether `cost` units are available now, without spending them: a cheap early refusal before
    /// work whose owner is only proven later (an upload's body).
    func check(key: String, cost: Int) async throws -> RateLimitDecision
}

/// Never limits: for nodes and tests that want no limits.
public struct UnlimitedRateLimiter: RateLimiter {
    public init() {}
    public func acquire(key: String, cost: Int) async -> RateLimitDecision { .allowed }
    public func check(key: String, cost: Int) async -> RateLimitDecision { .allowed }
}
