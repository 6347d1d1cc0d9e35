import Crypto
import MedLedgerCore

extension WebSharedState {
    /// Everything in one PostgreSQL database that every node behind the load balancer shares:
    /// sessions (keys sealed under `secret`, the web secret all nodes must share), log-in
    /// throttles, sign-up challenges and rate-limit buckets. `clock` (Unix ms) drives the rate
    /// limiters' refills; use the node's clock.
    public static func postgres(
        _ database: PostgresDatabase, secret: SymmetricKey, clock: @escaping @Sendable () -> Int64 = UnixMilliseconds.now
    ) -> WebSharedState {
        WebSharedState(
            sessions: PostgresWebSessionStorage(database: database, secret: secret),
            throttle: PostgresLoginThrottle(database: database),
            challenges: PostgresSignupChallenges(database: database),
            makeRateLimiter: { name, limit in PostgresRateLimiter(database: database, name: name, limit: limit, clock: clock) }
        )
    }
}
