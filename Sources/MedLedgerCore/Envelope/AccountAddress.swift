import Crypto

/// A user's account address, derived from their P-256 public key.
///
/// `address = "ml" + hex(SHA-256(SEC1 uncompressed point)[0..<20])`: the 65-byte `0x04‖X‖Y` form that
/// WebCrypto's `exportKey("raw")` returns. 160 bits keep addresses short while collisions stay out of
/// reach; the prefix makes them recognisable in logs and URLs.
public struct AccountAddress: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let rawValue: String

    /// Derives the address of a public key.
    public init(publicKey: P256.Signing.PublicKey) {
        self.init(uncompressedPoint: [UInt8](publicKey.x963Representation))
    }

    /// Derives the address from the 65-byte uncompressed point, skipping a key round trip.
    init(uncompressedPoint: [UInt8]) {
        let digest = SHA256.hash(data: uncompressedPoint)
        self.rawValue = "ml" + Hex.encode(Array(digest).prefix(20))
    }

    /// Parses a textual address, checking only its shape.
    public init?(_ text: String) {
        // Checked over the contiguous UTF-8 bytes without allocating: stores parse thousands of
        // these per trail read.
        var text = text
        let valid = text.withUTF8 { bytes in
            guard bytes.count == 42, bytes[0] == UInt8(ascii: "m"), bytes[1] == UInt8(ascii: "l") else { return false }
            for byte in bytes[2...] {
                guard (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f")) else {
                    return false
                }
            }
            return true
        }
        guard valid else { return nil }
        self.rawValue = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let address = AccountAddress(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not an account address"))
        }
        self = address
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public var description: String { rawValue }

    public static func < (lhs: AccountAddress, rhs: AccountAddress) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension P256.Signing.PublicKey {
    /// Parses the unpadded base64url of a 65-byte uncompressed point, the form payloads carry.
    public static func fromPayloadKey(_ text: String) -> P256.Signing.PublicKey? {
        parsePayloadKey(text)?.key
    }

    /// The key and its address, derived from the decoded point.
    static func parsePayloadKey(_ text: String) -> (key: P256.Signing.PublicKey, address: AccountAddress)? {
        guard let bytes = Base64Coding.decodeURL(text), bytes.count == 65, bytes.first == 0x04,
            let key = try? P256.Signing.PublicKey(x963Representation: bytes)
        else { return nil }
        return (key, AccountAddress(uncompressedPoint: bytes))
    }

    /// The address of a key given as bodies spell keys (base64url of the uncompressed point), or
    /// nil when the text is not such a key.
    public static func address(ofPayloadKey text: String) -> AccountAddress? {
        parsePayloadKey(text)?.address
    }

    /// The unpadded base64url of the 65-byte uncompressed point.
    public var payloadKey: String { Base64Coding.url(x963Representation) }

    /// The address derived from this key.
    public var address: AccountAddress { AccountAddress(publicKey: self) }
}
