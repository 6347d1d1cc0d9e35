import Foundation
import MedLedgerCore

/// Drives ``IJSON/parse(_:)-([UInt8])``, the strict reader every ledger entry goes through.
public enum IJSONFuzzing {
    /// Parses `input`; an accepted text must obey every I-JSON rule, mean the same after being
    /// written out again, and be JSON to Foundation's reader too (I-JSON is a subset of JSON).
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let value: IJSONValue
        do {
            value = try IJSON.parse(input)
        } catch {
            try FuzzInvariantViolation.expect(error.offset >= 0 && error.offset <= input.count, "an error offset lies inside the text")
            _ = error.description
            return
        }
        try FuzzInvariantViolation.expect(depth(of: value) <= IJSON.maxDepth, "accepted nesting is at most \(IJSON.maxDepth) deep")
        try FuzzInvariantViolation.expect(numbersAreSafe(in: value), "accepted numbers are within ±(2^53 − 1)")
        let rewritten = JSONText.write(value)
        let reread = try? IJSON.parse(rewritten)
        try FuzzInvariantViolation.expect(reread == value, "an accepted value reads the same after being written out")
        let foundation = try? JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
        try FuzzInvariantViolation.expect(foundation != nil, "I-JSON text is also JSON to Foundation")
    }

    static func depth(of value: IJSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(depth(of:)).max() ?? 0)
        case .object(let members): 1 + (members.values.map(depth(of:)).max() ?? 0)
        case .null, .bool, .number, .string: 0
        }
    }

    static func numbersAreSafe(in value: IJSONValue) -> Bool {
        switch value {
        case .number(let number): number.isFinite && number.magnitude <= IJSON.maxSafeInteger
        case .array(let elements): elements.allSatisfy(numbersAreSafe(in:))
        case .object(let members): members.values.allSatisfy(numbersAreSafe(in:))
        case .null, .bool, .string: true
        }
    }
}

/// Writes an ``IJSONValue`` as JSON text (sorted keys, minimal escapes), so the fuzzer can check
/// that what the reader accepted survives a second reading unchanged.
enum JSONText {
    static func write(_ value: IJSONValue) -> [UInt8] {
        var out: [UInt8] = []
        write(value, into: &out)
        return out
    }

    private static func write(_ value: IJSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let flag): out += Array((flag ? "true" : "false").utf8)
        case .number(let number): out += Array("\(number)".utf8)
        case .string(let text): write(string: text, into: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(string: key, into: &out)
                out.append(UInt8(ascii: ":"))
                if let member = members[key] { write(member, into: &out) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += Array(#"\""#.utf8)
            case UInt8(ascii: "\\"): out += Array(#"\\"#.utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
