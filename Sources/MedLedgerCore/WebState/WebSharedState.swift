/// Everything the web application keeps between requests that a user's next request must find,
/// whichever node answers it: sessions and pending log-ins, log-in throttles, sign-up challenges
/// and the rate limiters behind the request and sign-in budgets.
///
/// One value chooses where all of it lives: in this process's memory (one node; the default) or in
/// a database the nodes share. Rate limiters are made on demand by name, so each budget gets its
/// own buckets in the shared store.
public struct WebSharedState: Sendable {
    public var sessions: any WebSessionStorage
    public var throttle: any LoginThrottleStore
    public var challenges: any SignupChallengeStore
    /// Makes the limiter of one named budget (`"transactions"`, `"sign-in-clients"`, …).
    public var makeRateLimiter: @Sendable (_ name: String, _ limit: RateLimit) -> any RateLimiter

    public init(
        sessions: any WebSessionStorage, throttle: any LoginThrottleStore, challenges: any SignupChallengeStore,
        makeRateLimiter: @escaping @Sendable (_ name: String, _ limit: RateLimit) -> any RateLimiter
    ) {
        self.sessions = sessions
        self.throttle = throttle
        self.challenges = challenges
        self.makeRateLimiter = makeRateLimiter
    }

    /// The limiter of the budget `name`, refilled at `limit`.
    public func rateLimiter(_ name: String, _ limit: RateLimit) -> any RateLimiter {
        makeRateLimiter(name, limit)
    }
}
