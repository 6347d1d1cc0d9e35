import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@Suite("in-memory rate limiter")
struct InMemoryRateLimiterTests {
    @Test("each key has its own bucket, and tokens come back as the injected clock advances")
    func perKeyAndRefill() async {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(limit: RateLimit(perMinute: 2), clock: clock.read)
        #expect(await limiter.acquire(key: "a", cost: 1) == .allowed)
        #expect(await limiter.acquire(key: "a", cost: 1) == .allowed)
        let refused = await limiter.acquire(key: "a", cost: 1)
        #expect(refused == .limited(retryAfterMillis: 30_000))
        #expect(await limiter.acquire(key: "b", cost: 1) == .allowed)
        clock.advance(millis: 29_999)
        #expect(await limiter.check(key: "a", cost: 1) != .allowed)
        clock.advance(millis: 1)
        #expect(await limiter.check(key: "a", cost: 1) == .allowed)
        #expect(await limiter.acquire(key: "a", cost: 1) == .allowed)
        #expect(await limiter.acquire(key: "a", cost: 1) != .allowed)
    }

    @Test("memory stays bounded: idle keys are forgotten and a flood of keys is capped")
    func boundedMemory() async {
        let clock = TestClock()
        let limiter = InMemoryRateLimiter(limit: RateLimit(perMinute: 60, burst: 5), maxKeys: 100, clock: clock.read)
        for index in 0..<1_000 { _ = await limiter.acquire(key: "key-\(index)", cost: 1) }
        #expect(await limiter.keyCount <= 100)
        // Checking a key never seen adds no bucket.
        _ = await limiter.check(key: "never-spent", cost: 1)
        #expect(await limiter.keyCount <= 100)
        clock.advance(millis: 60_000)
        for index in 0..<4_096 { _ = await limiter.check(key: "probe-\(index % 7)", cost: 1) }
        #expect(await limiter.keyCount == 0)
    }

    @Test("client-chosen keys of any shape are just keys")
    func oddKeys() async {
        let limiter = InMemoryRateLimiter(limit: RateLimit(perMinute: 1))
        for key in ["", String(repeating: "x", count: 100_000), "\u{0}\u{FFFF}", "🙂"] {
            #expect(await limiter.acquire(key: key, cost: 1) == .allowed)
            #expect(await limiter.acquire(key: key, cost: 1) != .allowed)
        }
    }
}
