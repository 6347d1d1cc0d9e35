import Logging
import MedLedgerCore
import PostgresNIO

/// A ``RateLimiter`` whose token buckets live in PostgreSQL, so a key's budget is one budget
/// across every node: a limit spent on one node holds on the others.
///
/// Each `acquire` is one atomic upsert that refills the (limiter, key) bucket in SQL
/// (`web_bucket_refill`, the same arithmetic as Core's ``TokenBucket``) and spends from it under
/// the row's lock; `check` only reads. Times are this node's clock (Unix ms), passed as values; a
/// node whose clock lags another's refills nothing until it catches up. Rows stay bounded: every
/// ``sweepEvery`` acquisitions a store deletes the buckets that have refilled to full, which are
/// the same as no bucket.
public struct PostgresRateLimiter: RateLimiter {
    /// Acquisitions between sweeps of full buckets.
    public static let sweepEvery = 4_096

    public let name: String
    public let limit: RateLimit
    let database: PostgresDatabase
    let clock: @Sendable () -> Int64
    private let calls = SweepCounter()

    /// The limiter of the budget `name`; `clock` gives Unix milliseconds (tests pass a settable one).
    public init(database: PostgresDatabase, name: String, limit: RateLimit, clock: @escaping @Sendable () -> Int64 = UnixMilliseconds.now) {
        self.database = database
        self.name = name
        self.limit = limit
        self.clock = clock
    }

    private var logger: Logger { database.logger }

    public func acquire(key: String, cost: Int) async throws -> RateLimitDecision {
        let now = clock()
        let needed = TokenBucket.milli(cost)
        let capacity = TokenBucket.capacity(limit)
        let perMinute = Int64(limit.perMinute)
        let keyBytes = ByteBuffer(string: key)
        let rows = try await database.webStateQuery(
            """
            INSERT INTO web_rate_bucket AS b (limiter, key, milli_tokens, updated, capacity, per_minute, allowed)
            VALUES (\(name), \(keyBytes), CASE WHEN \(needed) <= \(capacity) THEN \(capacity) - \(needed) ELSE \(capacity) END,
                    \(now), \(capacity), \(perMinute), \(needed) <= \(capacity))
            ON CONFLICT (limiter, key) DO UPDATE SET (milli_tokens, updated, capacity, per_minute, allowed) = (
                SELECT CASE WHEN r.milli_tokens >= \(needed) THEN r.milli_tokens - \(needed) ELSE r.milli_tokens END,
                       r.refilled_at, \(capacity), \(perMinute), r.milli_tokens >= \(needed)
                FROM web_bucket_refill(b.milli_tokens, b.updated, \(now), \(capacity), \(perMinute)) AS r)
            RETURNING milli_tokens, updated, allowed
            """, logger: logger)
        var decision = RateLimitDecision.allowed
        for try await (tokens, updated, allowed) in rows.decode((Int64, Int64, Bool).self) where !allowed {
            var bucket = TokenBucket(milliTokens: tokens, updated: updated)
            decision = bucket.take(cost: cost, limit: limit, now: now, spend: false)
        }
        if calls.next() % Self.sweepEvery == 0 { try await sweep(now: now) }
        return decision
    }

    public func check(key: String, cost: Int) async throws -> RateLimitDecision {
        let now = clock()
        let rows = try await database.webStateQuery(
            "SELECT milli_tokens, updated FROM web_rate_bucket WHERE limiter = \(name) AND key = \(ByteBuffer(string: key))", logger: logger)
        var bucket = TokenBucket(limit: limit, now: now)
        for try await (tokens, updated) in rows.decode((Int64, Int64).self) {
            bucket = TokenBucket(milliTokens: tokens, updated: updated)
        }
        return bucket.take(cost: cost, limit: limit, now: now, spend: false)
    }

    /// Deletes every bucket (of any limiter) that has refilled to full at `now`.
    public func sweep(now: Int64) async throws {
        try await database.webStateQuery(
            """
            DELETE FROM web_rate_bucket AS b
            WHERE (web_bucket_refill(b.milli_tokens, b.updated, \(now), b.capacity, b.per_minute)).milli_tokens >= b.capacity
            """, logger: logger)
    }

    /// Buckets kept for this limiter (tests and diagnostics).
    public func keyCount() async throws -> Int {
        var total: Int64 = 0
        for try await value in try await database.webStateQuery(
            "SELECT count(*) FROM web_rate_bucket WHERE limiter = \(name)", logger: logger).decode(Int64.self) {
            total = value
        }
        return Int(total)
    }
}
