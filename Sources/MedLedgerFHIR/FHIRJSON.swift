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
    public var serialized: String { String(decoding: bytes, as: UTF8.self) }

    /// The value's UTF-8 bytes (``serialized``), written straight into one buffer.
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        write(to: &out)
        return out
    }

    private func write(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .integer(let value): out.append(contentsOf: String(value).utf8)
        case .decimal(let value):
            if value.isFinite {
                out.append(contentsOf: (value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let text): Self.quote(text, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (position, member) in members.sorted(by: { $0.key < $1.key }).enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.quote(member.key, into: &out)
                out.append(UInt8(ascii: ":"))
                member.value.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// A JSON string: quote, backslash and control characters escaped, and U+2028 and U+2029 too
    /// (so the text is also safe inside a script). Most values need no escape and are copied whole.
    private static func quote(_ text: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var utf8 = text.utf8
        if utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0xE2 }) {
            var escaped = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": escaped += "\\\""
                case "\\": escaped += "\\\\"
                case "\n": escaped += "\\n"
                case "\r": escaped += "\\r"
                case "\t": escaped += "\\t"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x2028 || scalar.value == 0x2029 {
                        let hex = String(scalar.value, radix: 16)
                        escaped += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                    } else {
                        escaped.unicodeScalars.append(scalar)
                    }
                }
            }
            utf8 = escaped.utf8
        }
        out.append(contentsOf: utf8)
        out.append(UInt8(ascii: "\""))
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
