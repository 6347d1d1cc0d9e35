import Logging
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import PostgresNIO
import Testing

@testable import MedLedgerHTTP

/// Rate limiters behave the same in memory and in PostgreSQL (the same token bucket), and in
/// PostgreSQL one budget holds across every node and under concurrent calls.
@Suite("rate limiter stores")
struct RateLimiterStoreTests {
    @Test("a burst is spent, refused with the wait, refilled over time; check spends nothing; keys are apart", arguments: WebStateKind.allCases)
    func tokenBucket(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let limiter = state.rateLimiter("transactions", RateLimit(perMinute: 60, burst: 3))
            #expect(try await limiter.check(key: "ml1", cost: 1) == .allowed)
            for _ in 0..<3 { #expect(try await limiter.acquire(key: "ml1", cost: 1) == .allowed) }
            #expect(try await limiter.acquire(key: "ml1", cost: 1) == .limited(retryAfterMillis: 1_000))
            #expect(try await limiter.check(key: "ml1", cost: 1) == .limited(retryAfterMillis: 1_000))
            #expect(try await limiter.acquire(key: "ml2", cost: 1) == .allowed)
            clock.advance(millis: 500)
            #expect(try await limiter.acquire(key: "ml1", cost: 1) == .limited(retryAfterMillis: 500))
            clock.advance(millis: 500)
            #expect(try await limiter.check(key: "ml1", cost: 1) == .allowed)
            #expect(try await limiter.acquire(key: "ml1", cost: 1) == .allowed)
            #expect(try await limiter.acquire(key: "ml1", cost: 1) != .allowed)
            // A cost beyond the burst is never met, and costs nothing.
            #expect(try await limiter.acquire(key: "ml3", cost: 4) == .limited(retryAfterMillis: 1))
            #expect(try await limiter.acquire(key: "ml3", cost: 3) == .allowed)
            // Frequent small refills keep their fractions: 250 ms four times is one token.
            for _ in 0..<4 { clock.advance(millis: 250); _ = try await limiter.check(key: "ml3", cost: 1) }
            #expect(try await limiter.acquire(key: "ml3", cost: 1) == .allowed)
            // Any key a client chooses is answered.
            #expect(try await limiter.acquire(key: "\u{0}\u{FFFF}'; DROP TABLE x; --", cost: 1) == .allowed)
        }
    }

    @Test("a budget with no refill stays spent; a clock going backwards refills nothing", arguments: WebStateKind.allCases)
    func noRefill(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let limiter = state.rateLimiter("queries", RateLimit(perMinute: 0, burst: 2))
            #expect(try await limiter.acquire(key: "k", cost: 2) == .allowed)
            clock.advance(millis: 3_600_000)
            #expect(try await limiter.acquire(key: "k", cost: 1) == .limited(retryAfterMillis: 60_000))
            let other = state.rateLimiter("uploads", RateLimit(perMinute: 60, burst: 1))
            #expect(try await other.acquire(key: "k", cost: 1) == .allowed)
            clock.advance(millis: -10_000)
            #expect(try await other.acquire(key: "k", cost: 1) != .allowed)
        }
    }

    @Test("two nodes spend one budget in PostgreSQL, and concurrent calls never overspend it")
    func sharedAndAtomic() async throws {
        let clock = TestClock()
        try await WebStateKind.postgres.with(clock: clock) { (_, database) async throws in
            let database = try #require(database)
            let limit = RateLimit(perMinute: 0, burst: 10)
            let nodeA = PostgresRateLimiter(database: database, name: "queries", limit: limit, clock: clock.read)
            let nodeB = PostgresRateLimiter(database: database, name: "queries", limit: limit, clock: clock.read)
            let allowed = try await withThrowingTaskGroup(of: Bool.self) { group in
                for index in 0..<40 {
                    let node = index % 2 == 0 ? nodeA : nodeB
                    group.addTask { try await node.acquire(key: "mlshared", cost: 1) == .allowed }
                }
                var count = 0
                for try await ok in group where ok { count += 1 }
                return count
            }
            #expect(allowed == 10)
            // Another limiter's name is another budget.
            let uploads = PostgresRateLimiter(database: database, name: "uploads", limit: limit, clock: clock.read)
            #expect(try await uploads.acquire(key: "mlshared", cost: 1) == .allowed)
        }
    }

    @Test("the sweep deletes the buckets that have refilled to full and keeps the others")
    func sweepBoundsRows() async throws {
        let clock = TestClock()
        try await WebStateKind.postgres.with(clock: clock) { (_, database) async throws in
            let database = try #require(database)
            let limiter = PostgresRateLimiter(database: database, name: "uploads", limit: RateLimit(perMinute: 60, burst: 5), clock: clock.read)
            for index in 0..<20 { _ = try await limiter.acquire(key: "key-\(index)", cost: 1) }
            clock.advance(millis: 2_000)
            _ = try await limiter.acquire(key: "busy", cost: 5)
            #expect(try await limiter.keyCount() == 21)
            try await limiter.sweep(now: clock.now)
            #expect(try await limiter.keyCount() == 1)
            #expect(try await limiter.acquire(key: "busy", cost: 1) == .limited(retryAfterMillis: 1_000))
        }
    }
}
