import MedLedgerCore

/// A ``RateLimiter`` for one node: a token bucket per key, in memory.
///
/// Memory stays bounded: a bucket that has refilled to full is the same as no bucket and is
/// dropped in periodic sweeps, and past `maxKeys` live buckets the least recently used tenth is
/// dropped (those keys start again with a full bucket, which only errs towards allowing).
public actor InMemoryRateLimiter: RateLimiter {
    public let limit: RateLimit
    public let maxKeys: Int
    private let clock: @Sendable () -> Int64
    private var buckets: [String: TokenBucket] = [:]
    private var operationsSinceSweep = 0

    /// `clock` gives Unix milliseconds; tests pass a settable one.
    public init(limit: RateLimit, maxKeys: Int = 100_000, clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock) {
        self.limit = limit
        self.maxKeys = max(1, maxKeys)
        self.clock = clock
    }

    public func acquire(key: String, cost: Int) -> RateLimitDecision {
        take(key: key, cost: cost, spend: true)
    }

    public func check(key: String, cost: Int) -> RateLimitDecision {
        take(key: key, cost: cost, spend: false)
    }

    /// How many buckets are held (for tests and diagnostics).
    public var keyCount: Int { buckets.count }

    private func take(key: String, cost: Int, spend: Bool) -> RateLimitDecision {
        let now = clock()
        var bucket = buckets[key] ?? TokenBucket(limit: limit, now: now)
        let decision = bucket.take(cost: cost, limit: limit, now: now, spend: spend)
        if spend || buckets[key] != nil { buckets[key] = bucket }
        operationsSinceSweep += 1
        if buckets.count > maxKeys || operationsSinceSweep >= 4_096 { sweep(now: now) }
        return decision
    }

    private func sweep(now: Int64) {
        operationsSinceSweep = 0
        buckets = buckets.filter { !$0.value.isFull(limit: limit, now: now) }
        guard buckets.count > maxKeys else { return }
        let drop = max(buckets.count - maxKeys, maxKeys / 10)
        for (key, _) in buckets.sorted(by: { $0.value.updated < $1.value.updated }).prefix(drop) {
            buckets[key] = nil
        }
    }
}
