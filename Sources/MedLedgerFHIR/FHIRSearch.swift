import Foundation
import MedLedgerCore

/// A checked search request: what the client asked for, every value parsed and bounded. Built by
/// ``parse(_:query:)``, which refuses (400) unknown parameters, bad values and values too long,
/// so nothing a client sends reaches a read unchecked and no input can trap the process.
public struct FHIRSearch: Sendable, Equatable {
    public var type: FHIRResourceType
    /// Page size, 1…``maxCount`` (``defaultCount`` when not given).
    public var count: Int
    /// Where the page starts in the full result (the opaque `_offset` of paging links).
    public var offset: Int
    public var ids: Set<String>?
    public var patient: AccountAddress?
    public var practitioner: AccountAddress?
    public var categories: Set<String>?
    public var statuses: Set<String>?
    public var dates: [FHIRDateBound] = []
    public var name: String?
    public var organizationType: String?
    /// `Type/id` of a `target` or `entity` parameter.
    public var target: (type: String, id: String)? {
        get { targetType.flatMap { type in targetID.map { (type, $0) } } }
        set {
            targetType = newValue?.type
            targetID = newValue?.id
        }
    }
    var targetType: String?
    var targetID: String?
    public var includes: [String] = []
    /// The parameters as given (for the `self` link), in a stable order.
    public var echoed: [(String, String)] = []
    /// Unknown parameters a lenient search left out (`Prefer: handling=lenient`), as diagnostics may name them.
    public var ignoredParameters: [String] = []

    public static func == (lhs: FHIRSearch, rhs: FHIRSearch) -> Bool {
        lhs.type == rhs.type && lhs.count == rhs.count && lhs.offset == rhs.offset && lhs.ids == rhs.ids && lhs.patient == rhs.patient
            && lhs.practitioner == rhs.practitioner && lhs.categories == rhs.categories && lhs.statuses == rhs.statuses && lhs.dates == rhs.dates
            && lhs.name == rhs.name && lhs.organizationType == rhs.organizationType && lhs.targetType == rhs.targetType
            && lhs.targetID == rhs.targetID && lhs.includes == rhs.includes
    }

    public static let defaultCount = 20
    public static let maxCount = 200
    /// The furthest offset a page may start at.
    public static let maxOffset = 100_000
    /// The longest value any parameter may have.
    public static let maxValueLength = 256
    /// The most parameters one search may carry.
    public static let maxParameters = 32

    /// Parameters FHIR lets any server ignore; accepted and ignored.
    static let ignored: Set<String> = ["_format", "_pretty", "_summary", "_elements", "_total"]

    init(type: FHIRResourceType) {
        self.type = type
        count = Self.defaultCount
        offset = 0
    }

    /// Checks a search's query parameters for `type`. Unknown parameters are refused, unless
    /// `lenient` (the client sent `Prefer: handling=lenient`): they are then left out and named in
    /// ``ignoredParameters``. Malformed values of known parameters are refused either way.
    public static func parse(_ type: FHIRResourceType, query: [(String, String)], lenient: Bool = false) throws(FHIRError) -> FHIRSearch {
        guard type.searchable else { throw FHIRError(status: 405, code: "not-supported", "\(type.rawValue) cannot be searched; read it by id") }
        guard query.count <= maxParameters else { throw FHIRError.invalid("a search may carry at most \(maxParameters) parameters") }
        var search = FHIRSearch(type: type)
        let supported = Set(type.parameters.map(\.name))
        var seen: Set<String> = []
        for (rawName, value) in query {
            guard rawName.utf8.count <= 64, value.utf8.count <= maxValueLength else {
                throw FHIRError.invalid("parameter values are limited to \(maxValueLength) characters")
            }
            // A modifier (`name:contains`) is not supported on any parameter but is named plainly.
            if rawName.contains(":") { throw FHIRError.invalid("parameter \(printable(rawName)) uses a modifier, which this server does not support") }
            let name = rawName
            if ignored.contains(name) { continue }
            if lenient, !supported.contains(name), !["_count", "_offset", "_include"].contains(name) {
                search.ignoredParameters.append(printable(name))
                continue
            }
            if name != "date" && name != "authoredon" && name != "_include" {
                guard seen.insert(name).inserted else { throw FHIRError.invalid("parameter \(name) is given twice") }
            }
            search.echoed.append((name, value))
            switch name {
            case "_count":
                guard let number = Int(value), (1...maxCount).contains(number) else { throw FHIRError.invalid("_count must be a whole number from 1 to \(maxCount)") }
                search.count = number
            case "_offset":
                guard let number = Int(value), (0...maxOffset).contains(number) else { throw FHIRError.invalid("_offset is not a paging offset this server gave") }
                search.offset = number
            case "_include":
                guard type.includes.contains(value) else {
                    throw FHIRError.invalid("_include supports \(type.includes.isEmpty ? "nothing on \(type.rawValue)" : type.includes.joined(separator: ", "))")
                }
                search.includes.append(value)
            case _ where !supported.contains(name):
                throw FHIRError.invalid("unknown search parameter \(printable(name)) for \(type.rawValue); supported: \(type.parameters.map(\.name).joined(separator: ", ")), _count, _offset")
            case "_id":
                let ids = try list(value, name: name)
                guard ids.allSatisfy({ $0.utf8.count <= 128 }) else { throw FHIRError.invalid("_id values are at most 128 characters") }
                search.ids = Set(ids)
            case "patient", "subject":
                guard search.patient == nil else { throw FHIRError.invalid("give the patient once") }
                search.patient = try address(value, as: "Patient", name: name)
            case "practitioner":
                search.practitioner = try address(value, as: "Practitioner", name: name)
            case "category":
                search.categories = Set(try list(value, name: name).map { $0.split(separator: "|").last.map(String.init) ?? $0 })
            case "status":
                search.statuses = Set(try list(value, name: name))
            case "date", "authoredon":
                for part in try list(value, name: name) {
                    guard let bound = FHIRDateBound(part) else {
                        throw FHIRError.invalid("\(name) must be a date such as 2024, 2024-03, ge2024-03-05 or lt2024-03-05T10:00:00Z")
                    }
                    search.dates.append(bound)
                }
                if search.dates.count > 8 { throw FHIRError.invalid("at most 8 date bounds") }
            case "name":
                let trimmed = value.trimmingCharacters(in: .whitespaces)
                guard (2...64).contains(trimmed.count), !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
                    throw FHIRError.invalid("name must be 2 to 64 characters")
                }
                search.name = trimmed
            case "type":
                guard FHIROrganization.kinds(matching: value) != nil else { throw FHIRError.invalid("type must be hospital, pharmacy or prov") }
                search.organizationType = value
            case "target", "entity":
                let parts = value.split(separator: "/", omittingEmptySubsequences: false)
                guard parts.count == 2, let kind = FHIRResourceType(rawValue: String(parts[0])), kind.isRecordType, !parts[1].isEmpty,
                    parts[1].utf8.count <= 128
                else { throw FHIRError.invalid("\(name) must be DocumentReference/<id>, MedicationRequest/<id> or Immunization/<id>") }
                search.target = (kind.rawValue, String(parts[1]))
            default:
                throw FHIRError.invalid("unknown search parameter \(printable(name))")
            }
        }
        if type == .provenance && search.target == nil && search.ids == nil {
            throw FHIRError.invalid("Provenance search needs target (or _id)")
        }
        return search
    }

    /// The paging parameters and everything else given, as the query of a page starting at `offset`.
    public func query(offset: Int) -> [(String, String)] {
        var items = echoed.filter { $0.0 != "_offset" && $0.0 != "_count" }
        items.append(("_count", String(count)))
        if offset > 0 { items.append(("_offset", String(offset))) }
        return items
    }

    static func list(_ value: String, name: String) throws(FHIRError) -> [String] {
        let items = value.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard !items.isEmpty, items.count <= 20, items.allSatisfy({ !$0.isEmpty }) else { throw FHIRError.invalid("\(name) must list 1 to 20 values") }
        return items
    }

    static func address(_ value: String, as type: String, name: String) throws(FHIRError) -> AccountAddress {
        let bare = value.hasPrefix(type + "/") ? String(value.dropFirst(type.count + 1)) : value
        guard let address = AccountAddress(bare) else { throw FHIRError.invalid("\(name) must be \(type)/<account address>") }
        return address
    }

    /// A client-given name as diagnostics may repeat it: at most 40 printable ASCII characters.
    static func printable(_ text: String) -> String {
        "\"" + String(text.unicodeScalars.prefix(40).map { $0.isASCII && $0.value >= 0x20 && $0.value < 0x7F ? Character($0) : "?" }) + "\""
    }
}
