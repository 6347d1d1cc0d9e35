import Foundation

/// Builds CSV text (RFC 4180: CRLF line ends, fields with a comma, quote or line break in double
/// quotes, quotes doubled) that is safe to open in a spreadsheet. Hand-written because the exports
/// need only this much, and the project adds no dependency for it.
///
/// Spreadsheets run a cell that starts with `=`, `+`, `-` or `@` (and some a tab or carriage
/// return) as a formula, so a name or id chosen by someone else could run one on the reader's
/// machine ("CSV injection"). Such cells get a leading `'`, which spreadsheets show as text.
struct CSVWriter: Sendable {
    /// The text so far.
    private(set) var text = ""
    /// Rows written, the header included.
    private(set) var rows = 0

    /// Appends one row.
    mutating func row(_ fields: [String]) {
        text += fields.map(Self.field).joined(separator: ",")
        text += "\r\n"
        rows += 1
    }

    /// Characters that make a spreadsheet read a cell as a formula when they come first.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// One field, defused and quoted as needed.
    static func field(_ value: String) -> String {
        var text = value
        // Unicode scalars, not Characters: "\r\n" is one Character in Swift, and must still count
        // as starting with a carriage return.
        if let first = text.unicodeScalars.first, formulaStarts.contains(Character(first)) { text = "'" + text }
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// A time as ISO 8601 in UTC with milliseconds (`2026-11-21T09:30:05.120Z`), which
    /// spreadsheets and scripts read without guessing a time zone.
    static func isoTime(_ millis: Int64) -> String {
        let seconds = millis.quotientAndRemainder(dividingBy: 1000)
        let (whole, fraction) = seconds.remainder < 0 ? (seconds.quotient - 1, seconds.remainder + 1000) : seconds
        let date = Date(timeIntervalSince1970: Double(whole))
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
        func pad(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(parts.year, 4))-\(pad(parts.month, 2))-\(pad(parts.day, 2))T\(pad(parts.hour, 2)):\(pad(parts.minute, 2)):"
            + "\(pad(parts.second, 2)).\(pad(Int(fraction), 3))Z"
    }

    /// The UTC date of a time (`2026-11-21`), for file names.
    static func isoDate(_ millis: Int64) -> String { String(isoTime(millis).prefix(10)) }
}
