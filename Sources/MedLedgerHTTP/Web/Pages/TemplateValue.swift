import Foundation
import MedLedgerCore

/// What Mustache templates render for typed values, with the display helpers templates need
/// because Mustache has no logic (``TemplateEncoder`` adds them from the values' types): a readable
/// `<member>Text` beside every time its type declares (``TemplateTimes``), `<key>_<value>` flags
/// beside enumerated strings (`status_requested`), words for categories and roles, and
/// `<key>Name` beside account addresses whose name the page may show.
struct TemplateValue {
    /// Accounts whose register names are shown beside their addresses (a page costs nothing per
    /// account on the ledger for these: the register is public to signed-in users).
    var accounts: [AccountAddress: Account] = [:]
    /// Patients' names a page's `profile.names` read showed the reader: `<key>Name` beside those
    /// addresses too. Patients missing here keep their short id.
    var names: [AccountAddress: String] = [:]

    /// Keys whose string values get `<key>_<value>` flags.
    static let flagged: Set<String> = ["status", "outcome", "role", "actorRole", "kind", "category", "document", "result", "decision"]

    /// `value` as the template sees it.
    func convert(_ value: some Encodable) throws -> Any {
        try TemplateEncoder { address in accounts[address]?.displayName ?? names[address] }.encode(value)
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

    /// The one date format every page shows (``LedgerTimeFormat/display(_:)``).
    static func format(time: Int64) -> String { LedgerTimeFormat.display(time) }
}
