/// How fast one key may act: `perMinute` units a minute on average, and up to `burst` at once
/// after a quiet spell. A token bucket with this refill rate and capacity enforces it.
public struct RateLimit: Sendable, Equatable {
    /// Units refilled per minute; 0 refills nothing (only the burst is ever allowed).
    public var perMinute: Int
    /// The bucket's capacity: what a key that has been idle may spend at once.
    public var burst: Int

    /// `burst` defaults to one minute's worth, so a key may spend its whole minute at once.
    public init(perMinute: Int, burst: Int? = nil) {
        self.perMinute = max(0, perMinute)
        self.burst = max(1, burst ?? perMinute)
    }
}
