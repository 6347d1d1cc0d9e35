import Foundation
import MedLedgerCore

/// Turns JSON into what Mustache templates render, adding the display helpers templates need
/// because Mustache has no logic: a readable `<key>Text` beside every Unix-millisecond time,
/// `<key>_<value>` flags beside enumerated strings (`status_requested`), and `<key>Name` beside
/// account addresses that have a public display name.
struct TemplateValue {
    /// Accounts whose register names are shown beside their addresses (looked up only for strings
    /// that are addresses, so a page costs nothing per account on the ledger).
    var accounts: [AccountAddress: Account] = [:]
    /// Patients' names a page's `profile.names` read showed the reader: `<key>Name` beside those
    /// addresses too. Patients missing here keep their short id.
    var names: [AccountAddress: String] = [:]

    /// Keys whose string values get `<key>_<value>` flags.
    static let flagged: Set<String> = ["status", "outcome", "role", "actorRole", "kind", "category", "document", "result", "decision"]

    func convert(_ value: JSONValue) -> Any {
        switch value {
        case .null: return Optional<String>.none as Any
        case .bool(let value): return value
        case .int(let value): return Int(value)
        case .double(let value): return value
        case .string(let value): return value
        case .array(let values): return values.map { convert($0) }
        case .object(let object):
            var result: [String: Any] = [:]
            for (key, member) in object {
                result[key] = convert(member)
                switch member {
                case .int(let number) where Self.isTime(number):
                    result[key + "Text"] = Self.format(time: number)
                case .string(let text):
                    if Self.flagged.contains(key) { result["\(key)_\(text)"] = true }
                    if text.hasPrefix("ml"), let address = AccountAddress(text), let name = accounts[address]?.displayName ?? names[address] {
                        result[key + "Name"] = name
                    }
                default: break
                }
            }
            return result
        }
    }

    /// Unix milliseconds between 2001 and 2286: indexes and counts never get that large.
    static func isTime(_ number: Int64) -> Bool { number >= 1_000_000_000_000 && number < 10_000_000_000_000 }

    /// `21 Nov 2026, 09:30 UTC`: the one date format every page shows (UTC, the zone the forms
    /// take times in), unambiguous in any locale.
    static func format(time: Int64) -> String {
        let parts = utcParts(time)
        let month = (1...12).contains(parts.month ?? 0) ? monthNames[(parts.month ?? 1) - 1] : "?"
        return "\(parts.day ?? 0) \(month) \(parts.year ?? 0), \(two(parts.hour)):\(two(parts.minute)) UTC"
    }

    /// `11-21`: a day's month and day, for chart axes.
    static func dayLabel(time: Int64) -> String {
        let parts = utcParts(time)
        return "\(two(parts.month))-\(two(parts.day))"
    }

    private static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    private static func two(_ value: Int?) -> String { String(format: "%02d", value ?? 0) }

    private static func utcParts(_ time: Int64) -> DateComponents {
        let date = Date(timeIntervalSince1970: Double(time) / 1000)
        return Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
    }
}
