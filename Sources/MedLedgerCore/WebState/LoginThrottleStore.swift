/// Where failed log-ins are counted per (username, client address) pair, under
/// ``LoginThrottleRules``. A protocol so that several nodes share the counts: guesses spread over
/// the nodes behind a load balancer must add up, not start again on every node.
///
/// Usernames are compared without regard to case. Implementations must count every failure even
/// when two nodes record one at the same moment.
public protocol LoginThrottleStore: Sendable {
    /// Milliseconds until another attempt is allowed, or nil when one is allowed at `now`.
    func retryAfter(username: String, client: String, now: Int64) async throws -> Int64?

    /// Counts one failed attempt at `now`.
    func recordFailure(username: String, client: String, now: Int64) async throws

    /// Clears the pair after a successful log-in.
    func recordSuccess(username: String, client: String) async throws
}
