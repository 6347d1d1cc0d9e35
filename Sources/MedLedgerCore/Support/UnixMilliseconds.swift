import Foundation

/// The ledger's one notion of wall-clock time: whole Unix milliseconds, as entries, expiries,
/// block times and every time a page shows are counted. Every reading of the system clock and
/// every conversion to and from `Date` goes through here, so the rounding is the same everywhere.
public enum UnixMilliseconds {
    /// The system clock now, rounded down.
    public static func now() -> Int64 { of(Date()) }

    /// A date in whole milliseconds, rounded down (a time is never reported later than it was).
    public static func of(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// The date of a millisecond count.
    public static func date(_ milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}
