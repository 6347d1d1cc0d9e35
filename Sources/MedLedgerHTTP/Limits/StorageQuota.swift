import MedLedgerCore

/// How much an upload may store: accounts spend their own daily quota, keys without an account
/// (a doctor's certificate at sign-up) the small quota of their client address. Counted in KiB:
/// a declared length is checked before a byte is stored, and the whole body is charged only once
/// the upload's signature is proven, so a forged request cannot spend someone else's quota.
struct StorageQuota: Sendable {
    let limiter: any RateLimiter
    let key: String
    let exempt: Bool
    /// What the answer calls the budget.
    let holder: String

    /// KiB for `bytes`, rounded up; at least 1 so empty files still count.
    static func kibibytes(_ bytes: Int64) -> Int {
        Int(min(Int64(Int.max), max(1, (bytes + 1023) / 1024)))
    }

    /// Takes `bytes` from the quota (or, with `spend` false, checks that it has them); throws 429
    /// `storage_quota` with `Retry-After` when it has not.
    func admit(_ bytes: Int64, spend: Bool) async throws {
        guard !exempt else { return }
        let cost = Self.kibibytes(bytes)
        let decision = spend ? try await limiter.acquire(key: key, cost: cost) : try await limiter.check(key: key, cost: cost)
        guard case .limited = decision else { return }
        throw RateLimitedError(
            retryAfterSeconds: decision.retryAfterSeconds,
            message: "This upload would pass \(holder) storage quota; try again in \(decision.retryAfterSeconds) second(s). Nothing was stored.",
            code: "storage_quota"
        )
    }
}
