import ExtrasBase64

/// Base64 helpers shared by envelopes, keys and checkpoints.
///
/// DSSE and signed notes use standard padded base64 (RFC 4648 §4); keys and nonces that travel in
/// JSON and URLs use the unpadded URL-safe alphabet (RFC 4648 §5), which is what WebCrypto callers
/// produce most easily. Decoding is strict: a value has exactly one accepted spelling, so two
/// different strings never stand for the same key or signature.
public enum Base64Coding {
    private static let urlEncoding: Base64.EncodingOptions = [.base64UrlAlphabet, .omitPaddingCharacter]
    private static let urlDecoding: Base64.DecodingOptions = [.base64UrlAlphabet, .omitPaddingCharacter]

    /// Standard padded base64.
    public static func standard<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        Base64.encodeToString(bytes: bytes)
    }

    /// Decodes standard padded base64, rejecting anything else (whitespace, missing padding, stray bits).
    public static func decodeStandard(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 == 0, let bytes = try? Base64.decode(bytes: utf8) else { return nil }
        guard Base64.encodeToBytes(bytes: bytes) == utf8 else { return nil }
        return bytes
    }

    /// Unpadded URL-safe base64.
    public static func url<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> String {
        Base64.encodeToString(bytes: bytes, options: urlEncoding)
    }

    /// Decodes unpadded URL-safe base64, rejecting padding, whitespace and the standard alphabet.
    public static func decodeURL(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 4 != 1, let bytes = try? Base64.decode(bytes: utf8, options: urlDecoding) else { return nil }
        guard Base64.encodeToBytes(bytes: bytes, options: urlEncoding) == utf8 else { return nil }
        return bytes
    }
}

/// Lower-case hexadecimal, used for addresses and key hashes.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.underestimatedCount * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func decode(_ text: some StringProtocol) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(utf8[index]), let low = value(utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): char - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): char - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): char - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
