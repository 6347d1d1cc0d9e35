import Foundation

/// The ways a ledger time (Unix milliseconds) is written, all in UTC, the zone forms take times
/// in: pages, CSV exports, file names and the command line use these and nothing else.
public enum LedgerTimeFormat {
    /// `2026-11-21T09:30:05.120Z`: ISO 8601 with milliseconds, which spreadsheets and scripts read
    /// without guessing a time zone.
    public static func iso8601(_ milliseconds: Int64) -> String {
        withMilliseconds(milliseconds, isoStyle)
    }

    /// `2026-11-21`: the UTC day, for file names.
    public static func isoDay(_ milliseconds: Int64) -> String {
        String(iso8601(milliseconds).prefix(10))
    }

    /// `20261121T093005.120Z`: sorts by time as text and reads at a glance (witness evidence files).
    public static func compact(_ milliseconds: Int64) -> String {
        withMilliseconds(milliseconds, compactStyle)
    }

    /// `21 Nov 2026, 09:30 UTC`: the one date format every page shows, unambiguous in any locale.
    public static func display(_ milliseconds: Int64) -> String {
        let parts = utcParts(milliseconds)
        let month = (1...12).contains(parts.month ?? 0) ? monthNames[(parts.month ?? 1) - 1] : "?"
        return "\(parts.day ?? 0) \(month) \(parts.year ?? 0), \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// `11-21`: a day's month and day, for chart axes.
    public static func monthDay(_ milliseconds: Int64) -> String {
        let parts = utcParts(milliseconds)
        return "\(two(parts.month))-\(two(parts.day))"
    }

    private static let isoStyle = Date.ISO8601FormatStyle(timeZone: .gmt)
    private static let compactStyle = Date.ISO8601FormatStyle(
        dateSeparator: .omitted, dateTimeSeparator: .standard, timeSeparator: .omitted, timeZone: .gmt
    )

    /// The whole seconds by `style` (`…05Z`), then the exact milliseconds before the `Z`: the
    /// style's own fractional seconds go through a floating-point date and can lose one.
    private static func withMilliseconds(_ milliseconds: Int64, _ style: Date.ISO8601FormatStyle) -> String {
        let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1000)
        let (whole, fraction) = remainder < 0 ? (seconds - 1, remainder + 1000) : (seconds, remainder)
        var text = Date(timeIntervalSince1970: Double(whole)).formatted(style)
        if text.hasSuffix("Z") { text.removeLast() }
        let digits = String(fraction)
        return text + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }
    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    private static let utc = TimeZone(identifier: "UTC") ?? .gmt

    private static func two(_ value: Int?) -> String {
        let digits = String(value ?? 0)
        return digits.count < 2 ? "0" + digits : digits
    }

    private static func utcParts(_ milliseconds: Int64) -> DateComponents {
        Calendar(identifier: .gregorian).dateComponents(in: utc, from: UnixMilliseconds.date(milliseconds))
    }
}
