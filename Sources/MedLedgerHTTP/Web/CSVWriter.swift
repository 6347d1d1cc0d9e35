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

}
