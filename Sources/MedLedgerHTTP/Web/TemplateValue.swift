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
                    if let label = Self.label(key: key, value: text) { result[key + "Label"] = label }
                    if text.hasPrefix("ml"), let address = AccountAddress(text), let name = accounts[address]?.displayName ?? names[address] {
                        result[key + "Name"] = name
                    }
                default: break
                }
            }
            return result
        }
    }

    /// The words for an enumerated value (`categoryLabel`, `roleLabel`, `actorRoleLabel`), from the
    /// domain types themselves, so no template spells them out.
    static func label(key: String, value: String) -> String? {
        switch key {
        case "category": RecordCategory(rawValue: value)?.label
        case "role", "actorRole": Role(rawValue: value)?.label
        default: nil
        }
    }

    /// Unix milliseconds between 2001 and 2286: indexes and counts never get that large.
    static func isTime(_ number: Int64) -> Bool { number >= 1_000_000_000_000 && number < 10_000_000_000_000 }

    /// The one date format every page shows (``LedgerTimeFormat/display(_:)``).
    static func format(time: Int64) -> String { LedgerTimeFormat.display(time) }
}
