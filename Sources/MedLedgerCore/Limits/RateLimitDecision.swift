/// What a ``RateLimiter`` answers: go ahead, or wait this long first.
public enum RateLimitDecision: Sendable, Equatable {
    case allowed
    /// Milliseconds until the request would be allowed (always at least 1).
    case limited(retryAfterMillis: Int64)

    public var isAllowed: Bool { self == .allowed }

    /// Whole seconds for a `Retry-After` header: the wait rounded up, at least 1.
    public var retryAfterSeconds: Int64 {
        guard case .limited(let millis) = self else { return 0 }
        let (sum, overflow) = millis.addingReportingOverflow(999)
        return overflow ? Int64.max / 1000 : max(1, sum / 1000)
    }
}
