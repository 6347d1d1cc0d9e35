import MedLedgerCore
import Testing

@Suite("token buckets")
struct TokenBucketTests {
    @Test("a full bucket allows its burst, then names the wait until the next token")
    func burstThenWait() {
        let limit = RateLimit(perMinute: 60, burst: 3)
        var bucket = TokenBucket(limit: limit, now: 0)
        for _ in 0..<3 { #expect(bucket.take(cost: 1, limit: limit, now: 0) == .allowed) }
        let refused = bucket.take(cost: 1, limit: limit, now: 0)
        #expect(refused == .limited(retryAfterMillis: 1_000))
        #expect(refused.retryAfterSeconds == 1)
    }

    @Test("tokens refill with time, never beyond the burst")
    func refills() {
        let limit = RateLimit(perMinute: 60, burst: 2)
        var bucket = TokenBucket(limit: limit, now: 0)
        _ = bucket.take(cost: 2, limit: limit, now: 0)
        #expect(bucket.take(cost: 1, limit: limit, now: 999) != .allowed)
        #expect(bucket.take(cost: 1, limit: limit, now: 1_000) == .allowed)
        // An hour idle refills two tokens, not 3,600.
        #expect(bucket.take(cost: 3, limit: limit, now: 3_600_000) != .allowed)
        #expect(bucket.take(cost: 2, limit: limit, now: 3_600_000) == .allowed)
        #expect(bucket.isFull(limit: limit, now: 3_600_000 + 120_000))
    }

    @Test("a slow rate still refills when a client asks every few milliseconds")
    func frequentCallsStillRefill() {
        let limit = RateLimit(perMinute: 1)
        var bucket = TokenBucket(limit: limit, now: 0)
        #expect(bucket.take(cost: 1, limit: limit, now: 0) == .allowed)
        var time: Int64 = 0
        while time < 59_950 {
            time += 50
            #expect(bucket.take(cost: 1, limit: limit, now: time) != .allowed)
        }
        #expect(bucket.take(cost: 1, limit: limit, now: 60_000) == .allowed)
    }

    @Test("checking without spending leaves the tokens")
    func checkDoesNotSpend() {
        let limit = RateLimit(perMinute: 1, burst: 1)
        var bucket = TokenBucket(limit: limit, now: 0)
        #expect(bucket.take(cost: 1, limit: limit, now: 0, spend: false) == .allowed)
        #expect(bucket.take(cost: 1, limit: limit, now: 0) == .allowed)
        #expect(bucket.take(cost: 1, limit: limit, now: 0) == .limited(retryAfterMillis: 60_000))
    }

    @Test("extreme costs, rates and clocks neither trap nor allow too much")
    func extremes() {
        let huge = RateLimit(perMinute: Int.max, burst: Int.max)
        var bucket = TokenBucket(limit: huge, now: Int64.min)
        #expect(bucket.take(cost: Int.max, limit: huge, now: Int64.max) == .allowed)
        let small = RateLimit(perMinute: 1, burst: 1)
        var other = TokenBucket(limit: small, now: Int64.max)
        let refused = other.take(cost: Int.max, limit: small, now: Int64.min)
        #expect(!refused.isAllowed)
        #expect(refused.retryAfterSeconds >= 1)
        #expect(other.take(cost: -5, limit: small, now: 0) == .allowed)
        let none = RateLimit(perMinute: 0, burst: 1)
        var empty = TokenBucket(limit: none, now: 0)
        _ = empty.take(cost: 1, limit: none, now: 0)
        #expect(empty.take(cost: 1, limit: none, now: 10_000_000) == .limited(retryAfterMillis: 60_000))
        #expect(RateLimitDecision.limited(retryAfterMillis: .max).retryAfterSeconds > 0)
        #expect(RateLimitDecision.limited(retryAfterMillis: 1_001).retryAfterSeconds == 2)
    }
}
