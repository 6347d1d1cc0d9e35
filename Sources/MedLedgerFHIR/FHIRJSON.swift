/// A FHIR JSON value. Resources are built as values of this type and written with sorted keys,
/// so the same ledger state always gives byte-identical resources (clients may hash or cache them,
/// and tests compare them exactly).
public indirect enum FHIRJSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case decimal(Double)
    case string(String)
    case array([FHIRJSON])
    case object([String: FHIRJSON])

    /// An object of the members whose values are present: resource builders list optional
    /// elements side by side and absent ones are left out, as FHIR requires (never `null`).
    public static func members(_ pairs: KeyValuePairs<String, FHIRJSON?>) -> FHIRJSON {
        var object: [String: FHIRJSON] = [:]
        for (key, value) in pairs {
            guard let value else { continue }
            if case .array(let items) = value, items.isEmpty { continue }
            object[key] = value
        }
        return .object(object)
    }

    /// A member of an object; nil for other values or a missing key.
    public subscript(key: String) -> FHIRJSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The text of a string value.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// The items of an array value.
    public var array: [FHIRJSON]? {
        if case .array(let items) = self { return items }
        return nil
    }

    /// The value as compact JSON with object keys in code-point order.
    public var serialized: String {
        var out = ""
        write(to: &out)
        return out
    }

    /// The value's UTF-8 bytes (``serialized``).
    public var bytes: [UInt8] { Array(serialized.utf8) }

    private func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let value): out += value ? "true" : "false"
        case .integer(let value): out += String(value)
        case .decimal(let value):
            if value.isFinite {
                out += value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
            } else {
                out += "null"
            }
        case .string(let text): Self.quote(text, into: &out)
        case .array(let items):
            out += "["
            for (position, item) in items.enumerated() {
                if position > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case .object(let members):
            out += "{"
            for (position, key) in members.keys.sorted().enumerated() {
                if position > 0 { out += "," }
                Self.quote(key, into: &out)
                out += ":"
                members[key]?.write(to: &out)
            }
            out += "}"
        }
    }

    private static func quote(_ text: String, into out: inout String) {
        out += "\""
        // Most values need no escape: no control character, quote or backslash, and no byte 0xE2
        // (which starts U+2028 and U+2029); they are copied whole.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
            out += text
            out += "\""
            return
        }
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

extension FHIRJSON: ExpressibleByStringLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(arrayLiteral elements: FHIRJSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, FHIRJSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
