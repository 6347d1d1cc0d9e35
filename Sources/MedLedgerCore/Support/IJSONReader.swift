/// The recursive-descent reader behind ``IJSON``: one pass over the bytes, every rule checked where
/// the byte that breaks it is read.
struct IJSONReader {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0
    var depth = 0

    init(bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func readDocument() throws(IJSONError) -> IJSONValue {
        skipWhitespace()
        let value = try readValue()
        skipWhitespace()
        guard position == bytes.count else { throw IJSONError(.syntax, at: position) }
        return value
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    private mutating func expect(_ byte: UInt8) throws(IJSONError) {
        guard current == byte else { throw IJSONError(.syntax, at: position) }
        position += 1
    }

    private mutating func readValue() throws(IJSONError) -> IJSONValue {
        guard let byte = current else { throw IJSONError(.syntax, at: position) }
        switch byte {
        case UInt8(ascii: "{"): return try readObject()
        case UInt8(ascii: "["): return try readArray()
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): try readLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try readLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try readLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw IJSONError(.syntax, at: position)
        }
    }

    private mutating func readLiteral(_ word: StaticString) throws(IJSONError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw IJSONError(.syntax, at: position) }
        for offset in 0..<count where bytes[position + offset] != word.utf8Start[offset] {
            throw IJSONError(.syntax, at: position + offset)
        }
        position += count
    }

    private mutating func enter() throws(IJSONError) {
        depth += 1
        guard depth <= IJSON.maxDepth else { throw IJSONError(.tooDeep, at: position) }
    }

    private mutating func readObject() throws(IJSONError) -> IJSONValue {
        try enter()
        position += 1
        var members: [String: IJSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            let keyOffset = position
            guard current == UInt8(ascii: "\"") else { throw IJSONError(.syntax, at: position) }
            let key = try readString()
            skipWhitespace()
            try expect(UInt8(ascii: ":"))
            skipWhitespace()
            let value = try readValue()
            guard members.updateValue(value, forKey: key) == nil else {
                throw IJSONError(.duplicateKey, at: keyOffset, key: Self.isFieldName(key) ? key : nil)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                depth -= 1
                return .object(members)
            default: throw IJSONError(.syntax, at: position)
            }
        }
    }

    private mutating func readArray() throws(IJSONError) -> IJSONValue {
        try enter()
        position += 1
        var elements: [IJSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try readValue())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                depth -= 1
                return .array(elements)
            default: throw IJSONError(.syntax, at: position)
            }
        }
    }

    /// A short ASCII identifier, safe to name in an error message.
    private static func isFieldName(_ key: String) -> Bool {
        key.utf8.count <= 40
            && key.utf8.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".")
            }
    }

    // MARK: Strings

    /// Reads a string starting at its opening quote. Raw bytes are checked as UTF-8 (which by
    /// definition encodes no surrogate); escapes are decoded, pairing surrogates.
    private mutating func readString() throws(IJSONError) -> String {
        position += 1
        var utf8: [UInt8] = []
        var runStart = position
        while true {
            guard position < bytes.count else { throw IJSONError(.syntax, at: position) }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let text: String
                if utf8.isEmpty {
                    text = String(decoding: UnsafeBufferPointer(rebasing: bytes[runStart..<position]), as: UTF8.self)
                } else {
                    utf8.append(contentsOf: bytes[runStart..<position])
                    text = String(decoding: utf8, as: UTF8.self)
                }
                position += 1
                return text
            case UInt8(ascii: "\\"):
                utf8.append(contentsOf: bytes[runStart..<position])
                try readEscape(into: &utf8)
                runStart = position
            case 0x00..<0x20:
                throw IJSONError(.syntax, at: position)
            case 0x20..<0x80:
                position += 1
            default:
                try skipMultiByteScalar()
            }
        }
    }

    /// Checks one multi-byte UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, at most U+10FFFF).
    private mutating func skipMultiByteScalar() throws(IJSONError) {
        let start = position
        let lead = bytes[position]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; upper = 0x9F
        case 0xF0: length = 4; lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; upper = 0x8F
        default: throw IJSONError(.invalidUTF8, at: start)
        }
        guard bytes.count - start >= length else { throw IJSONError(.invalidUTF8, at: start) }
        let second = bytes[start + 1]
        guard second >= lower, second <= upper else { throw IJSONError(.invalidUTF8, at: start) }
        for offset in 2..<max(length, 2) where bytes[start + offset] & 0xC0 != 0x80 {
            throw IJSONError(.invalidUTF8, at: start)
        }
        position = start + length
    }

    private mutating func readEscape(into utf8: inout [UInt8]) throws(IJSONError) {
        let start = position
        position += 1
        guard let letter = current else { throw IJSONError(.syntax, at: position) }
        position += 1
        switch letter {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try readHex4()
            if (0xD800...0xDBFF).contains(scalar) {
                guard bytes.count - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw IJSONError(.loneSurrogate, at: start)
                }
                position += 2
                let low = try readHex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw IJSONError(.loneSurrogate, at: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw IJSONError(.loneSurrogate, at: start)
            }
            // Checked above: not a surrogate and at most U+10FFFF.
            guard let unicode = Unicode.Scalar(scalar) else { throw IJSONError(.loneSurrogate, at: start) }
            UTF8.encode(unicode) { utf8.append($0) }
        default:
            throw IJSONError(.syntax, at: start)
        }
    }

    private mutating func readHex4() throws(IJSONError) -> UInt32 {
        guard bytes.count - position >= 4 else { throw IJSONError(.syntax, at: position) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw IJSONError(.syntax, at: position)
            }
            value = value << 4 | UInt32(digit)
            position += 1
        }
        return value
    }

    // MARK: Numbers

    /// Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` and refuses a magnitude beyond 2^53 − 1.
    private mutating func readNumber() throws(IJSONError) -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        switch current ?? 0 {
        case UInt8(ascii: "0"): position += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"): skipDigits()
        default: throw IJSONError(.syntax, at: position)
        }
        if current == UInt8(ascii: ".") {
            position += 1
            guard skipRequiredDigits() else { throw IJSONError(.syntax, at: position) }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard skipRequiredDigits() else { throw IJSONError(.syntax, at: position) }
        }
        // The grammar above admits only ASCII, so the text converts; a huge exponent gives infinity.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite, value.magnitude <= IJSON.maxSafeInteger else {
            throw IJSONError(.numberOutOfRange, at: start)
        }
        return value
    }

    private mutating func skipDigits() {
        while let byte = current, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { position += 1 }
    }

    private mutating func skipRequiredDigits() -> Bool {
        let start = position
        skipDigits()
        return position > start
    }
}
