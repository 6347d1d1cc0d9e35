/// The one strict reading of JSON that MedLedger accepts on its ledger: I-JSON (RFC 7493).
///
/// Foundation's readers are lenient in different ways (`JSONDecoder` keeps one of two duplicate
/// keys, `JSONSerialization` another, the browser's `JSON.parse` the last), so one entry could mean
/// different things to the contracts, the tally and an auditor's browser. Every entry is therefore
/// read here first and refused unless it has exactly one meaning:
/// - no object has the same key twice;
/// - the text is valid UTF-8 (no BOM), and no string holds a lone surrogate, escaped or not;
/// - no number's magnitude exceeds 2^53 − 1, the largest integer every JSON reader keeps exactly;
/// - nesting is at most ``maxDepth`` deep, so no reader can be driven into deep recursion.
///
/// The browser's verifier (`proofs.js`) applies the same rules. No mirrored library refuses
/// duplicate keys, so this reader is MedLedger's own; it is small and allocation-light.
public enum IJSON {
    /// How deeply arrays and objects may nest.
    public static let maxDepth = 64
    /// The largest magnitude a number may have: 2^53 − 1.
    public static let maxSafeInteger: Double = 9_007_199_254_740_991

    /// Parses `bytes` as one I-JSON text.
    public static func parse(_ bytes: [UInt8]) throws(IJSONError) -> IJSONValue {
        try bytes.withUnsafeBufferPointer { (buffer) throws(IJSONError) -> IJSONValue in
            var reader = IJSONReader(bytes: buffer)
            return try reader.readDocument()
        }
    }

    /// Parses a UTF-8 string as one I-JSON text.
    public static func parse(_ text: String) throws(IJSONError) -> IJSONValue {
        try parse(Array(text.utf8))
    }
}

/// A JSON value read by ``IJSON``. Objects are dictionaries: a text with a duplicate key is never read.
public indirect enum IJSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([IJSONValue])
    case object([String: IJSONValue])

    /// The members of an object; nil for any other value.
    public var object: [String: IJSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The text of a string; nil for any other value.
    public var string: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    /// Every string value inside this one, nested ones included (object keys are not values).
    public func collectStrings(into found: inout Set<String>) {
        switch self {
        case .string(let text): found.insert(text)
        case .array(let elements): for element in elements { element.collectStrings(into: &found) }
        case .object(let members): for member in members.values { member.collectStrings(into: &found) }
        case .null, .bool, .number: break
        }
    }
}

/// Why a text is not I-JSON. The description names the rule and the byte offset, never a value
/// (a value could be someone's health data).
public struct IJSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Which rule the text broke.
    public enum Kind: Sendable, Equatable {
        case syntax
        case duplicateKey
        case invalidUTF8
        case loneSurrogate
        case numberOutOfRange
        case tooDeep
    }

    public let kind: Kind
    /// Byte offset at which the problem was found.
    public let offset: Int
    /// For a duplicate key that is a plain field name, that name.
    public let key: String?

    public init(_ kind: Kind, at offset: Int, key: String? = nil) {
        self.kind = kind
        self.offset = offset
        self.key = key
    }

    public var description: String {
        switch kind {
        case .syntax: "not valid JSON at byte \(offset)"
        case .duplicateKey: key.map { "the key \"\($0)\" appears twice in one object (byte \(offset))" } ?? "a key appears twice in one object (byte \(offset))"
        case .invalidUTF8: "invalid UTF-8 at byte \(offset)"
        case .loneSurrogate: "a string holds a lone UTF-16 surrogate (byte \(offset))"
        case .numberOutOfRange: "a number beyond ±(2^53 − 1) at byte \(offset)"
        case .tooDeep: "nested deeper than \(IJSON.maxDepth) levels (byte \(offset))"
        }
    }
}
