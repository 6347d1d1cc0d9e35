import Foundation
import MedLedgerCore

/// One row of `pages.json`: a path, who may see it, the ledger reads it makes and its template
/// (the format is in docs/WEB.md).
struct PageSpec: Decodable, Sendable {
    struct Read: Decodable, Sendable {
        var type: String
        var body: JSONValue
    }

    var path: String
    var template: String
    var title: String
    var roles: [Role]?
    var `public`: Bool?
    var reads: [String: Read]?
    /// Checked against ``PageProvider`` as the table is decoded: an unknown name fails the load.
    var providers: [PageProvider]?
    /// Names set to true in the template context, so one template can serve several pages.
    var flags: [String]?

    var isPublic: Bool { self.public ?? false }

    /// Reads and checks the page tables (every `*.json` file in `folder`): every read type must be
    /// a contract read, and no path may appear twice.
    static func load(from folder: URL) throws -> [PageSpec] {
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        var specs: [PageSpec] = []
        for file in files {
            do {
                specs += try JSONDecoder().decode([PageSpec].self, from: Data(contentsOf: folder.appendingPathComponent(file)))
            } catch {
                throw WebSetupError("pages/\(file) is not a valid page table: \(error)")
            }
        }
        var seen: Set<String> = []
        for spec in specs where !seen.insert(spec.path).inserted {
            throw WebSetupError("page \(spec.path) is defined twice")
        }
        for spec in specs {
            for (name, read) in spec.reads ?? [:] where !ContractEngine.readTypes.contains(read.type) {
                throw WebSetupError("page \(spec.path): read \(name) has type \(read.type), which is not a read")
            }
        }
        return specs
    }

    /// Fills `{param}`, `{query.name}` and `{me}` placeholders; members whose placeholder has no
    /// value are left out.
    static func fill(_ value: JSONValue, params: [String: String], query: [String: String], me: AccountAddress) -> JSONValue? {
        switch value {
        case .string(let text) where text.hasPrefix("{") && text.hasSuffix("}"):
            let name = String(text.dropFirst().dropLast())
            let filled: String?
            if name == "me" {
                filled = me.rawValue
            } else if name.hasPrefix("query.") {
                filled = query[String(name.dropFirst("query.".count))]
            } else {
                filled = params[name]
            }
            guard let filled, !filled.isEmpty else { return nil }
            if let number = Int64(filled) { return .int(number) }
            if let time = Self.time(filled) { return .int(time) }
            if filled == "true" || filled == "false" { return .bool(filled == "true") }
            return .string(filled)
        case .object(let object):
            var result: [String: JSONValue] = [:]
            for (key, member) in object {
                if let filled = fill(member, params: params, query: query, me: me) { result[key] = filled }
            }
            return .object(result)
        case .array(let values):
            return .array(values.compactMap { fill($0, params: params, query: query, me: me) })
        default:
            return value
        }
    }
}

extension PageSpec {
    /// A `date` or `datetime-local` form value (`2026-11-21`, `2026-11-21T09:30`) as Unix
    /// milliseconds, read as UTC.
    static func time(_ text: String) -> Int64? {
        let parts = text.split(whereSeparator: { "-T:".contains($0) }).map { Int($0) }
        guard (parts.count == 3 && text.count == 10) || (parts.count == 5 && text.count == 16), parts.allSatisfy({ $0 != nil }) else {
            return nil
        }
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        if parts.count == 5 {
            components.hour = parts[3]
            components.minute = parts[4]
        }
        guard let date = Calendar(identifier: .gregorian).date(from: components) else { return nil }
        return UnixMilliseconds.of(date)
    }
}

/// A problem with the web application's files, found at start-up.
public struct WebSetupError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
