/// How long web sessions live, in one place for every ``WebSessionStorage``: the same rules hold
/// whether sessions sit in one node's memory or in a database several nodes share.
///
/// Times are Unix milliseconds from the node's clock (`LedgerNode.clock`), passed in by callers;
/// no store reads a clock of its own, so tests with a settable clock see the same behaviour from
/// every store.
public enum WebSessionPolicy {
    /// The longest a web session lasts.
    public static let lifetime: Int64 = 8 * 3_600_000
    /// A session unused this long ends.
    public static let idleLimit: Int64 = 30 * 60_000
    /// How long a login's session key waits for the signed `session.open`.
    public static let pendingLimit: Int64 = 2 * 60_000

    /// True while `session` may still be used at `now`: before its absolute end and less than
    /// ``idleLimit`` after it was last seen.
    public static func isLive(expires: Int64, lastSeen: Int64, now: Int64) -> Bool {
        now < expires && now - lastSeen < idleLimit
    }
}
