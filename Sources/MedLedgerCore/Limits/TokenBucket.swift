/// One key's token bucket, in thousandths of a token so that refills need no floating point.
///
/// Pure: the caller passes the time. Arithmetic saturates, so neither a huge cost nor a clock that
/// jumps can trap.
public struct TokenBucket: Sendable, Equatable {
    /// Thousandths of a token available at ``updated``.
    public private(set) var milliTokens: Int64
    /// Unix milliseconds of the last refill.
    public private(set) var updated: Int64

    /// A full bucket at `now`.
    public init(limit: RateLimit, now: Int64) {
        milliTokens = Self.capacity(limit)
        updated = now
    }

    /// A bucket as a store kept it: `milliTokens` available at `updated` (a bucket shared by
    /// several nodes lives in a database between calls).
    public init(milliTokens: Int64, updated: Int64) {
        self.milliTokens = milliTokens
        self.updated = updated
    }

    /// The capacity of `limit` in thousandths of a token.
    public static func capacity(_ limit: RateLimit) -> Int64 {
        Int64(limit.burst).multipliedReportingOverflow(by: 1000).overflow ? Int64.max : Int64(limit.burst) * 1000
    }

    /// `cost` tokens in thousandths, saturating.
    public static func milli(_ cost: Int) -> Int64 {
        let (value, overflow) = Int64(max(0, cost)).multipliedReportingOverflow(by: 1000)
        return overflow ? Int64.max : value
    }

    /// Adds what `perMinute` refills between ``updated`` and `now`, up to the capacity: a minute
    /// refills `perMinute` tokens. A clock going backwards adds nothing.
    public mutating func refill(limit: RateLimit, now: Int64) {
        let capacity = Self.capacity(limit)
        guard now > updated else { return }
        let (elapsed, overflow) = now.subtractingReportingOverflow(updated)
        guard !overflow, limit.perMinute > 0 else {
            updated = now
            if overflow { milliTokens = capacity }
            return
        }
        // milli-tokens gained = elapsed ms × perMinute × 1000 / 60,000 = elapsed × perMinute / 60.
        let rate = Int64(limit.perMinute)
        let (product, productOverflow) = elapsed.multipliedReportingOverflow(by: rate)
        let gained = productOverflow ? Int64.max : product / 60
        let (sum, sumOverflow) = milliTokens.addingReportingOverflow(gained)
        if sumOverflow || sum >= capacity {
            milliTokens = capacity
            updated = now
            return
        }
        milliTokens = sum
        // Advance only by the time the whole milli-tokens took (rounded up), so the fraction left
        // over still counts: frequent calls must not round every refill down to nothing.
        updated += (gained * 60 + rate - 1) / rate
    }

    /// True when the bucket is full at `now`: it then behaves exactly like a new one and can be dropped.
    public func isFull(limit: RateLimit, now: Int64) -> Bool {
        var copy = self
        copy.refill(limit: limit, now: now)
        return copy.milliTokens >= Self.capacity(limit)
    }

    /// Whether `cost` tokens are there at `now` (refilling first); spends them when `spend`.
    public mutating func take(cost: Int, limit: RateLimit, now: Int64, spend: Bool = true) -> RateLimitDecision {
        refill(limit: limit, now: now)
        let needed = Self.milli(cost)
        if needed <= milliTokens {
            if spend { milliTokens -= needed }
            return .allowed
        }
        // A cost beyond the capacity is never met; the wait named is that of a full bucket.
        let missing = min(needed, Self.capacity(limit)) - milliTokens
        guard limit.perMinute > 0 else { return .limited(retryAfterMillis: 60_000) }
        // ms to gain `missing` milli-tokens at perMinute/60 milli-tokens per ms, rounded up.
        let (scaled, overflow) = max(missing, 1).multipliedReportingOverflow(by: 60)
        let wait = overflow ? Int64.max / 2 : (scaled + Int64(limit.perMinute) - 1) / Int64(limit.perMinute)
        return .limited(retryAfterMillis: max(1, wait))
    }
}
