import Crypto
import Foundation

/// A CIDv1 content identifier with a SHA2-256 multihash, as IPFS writes it.
///
/// Ledger entries name off-ledger content by CID so anyone holding the bytes can check they are
/// the ones the ledger committed to, and so the same bytes can later be served by an IPFS node
/// without renaming. The textual form is multibase base32 lower (`b` prefix, RFC 4648 alphabet in
/// lower case, no padding) of
///
/// ```
/// varint(1) ‖ varint(codec) ‖ 0x12 (sha2-256) ‖ 0x20 (32 bytes) ‖ digest
/// ```
///
/// For one block under the ``Codec/raw`` codec this is exactly what
/// `ipfs add --cid-version=1 --raw-leaves` prints for content of at most 256 KiB (a single chunk).
/// Larger content gets a `dag-pb` root, which parses here too; ``UnixFSFileBuilder`` recomputes it
/// from the bytes (the chunked DAG's root).
public struct ContentID: Hashable, Sendable, CustomStringConvertible, Codable {
    /// A multicodec code: how the addressed block is to be interpreted.
    public struct Codec: RawRepresentable, Hashable, Sendable {
        /// The multicodec table code.
        public let rawValue: UInt64
        /// Wraps any multicodec code, so CIDs of codecs this package does not use still parse.
        public init(rawValue: UInt64) { self.rawValue = rawValue }

        /// `raw` (0x55): the block is opaque bytes; what this package stores.
        public static let raw = Codec(rawValue: 0x55)
        /// `dag-pb` (0x70): a UnixFS node, the root of chunked files in IPFS.
        public static let dagPB = Codec(rawValue: 0x70)
    }

    /// The multihash code of SHA2-256.
    static let sha256Code: UInt8 = 0x12
    /// The SHA2-256 digest length, as written in the multihash.
    static let digestLength = 32

    /// The largest block that `ipfs add --raw-leaves` keeps as one raw block (its default chunk
    /// size); above this the CID of a file is a `dag-pb` root and ``init(rawBlock:)`` no longer
    /// matches what IPFS would print.
    public static let maxRawBlockSize = 256 * 1024

    /// How the addressed block is to be interpreted.
    public let codec: Codec
    /// The SHA2-256 digest of the block's bytes.
    public let digest: [UInt8]

    /// Wraps a codec and a 32-byte SHA2-256 digest; nil for any other digest length.
    public init?(codec: Codec, sha256Digest digest: [UInt8]) {
        guard digest.count == Self.digestLength else { return nil }
        self.codec = codec
        self.digest = digest
    }

    /// The CID of `bytes` stored as one raw block.
    public init<Bytes: ContiguousBytes>(rawBlock bytes: Bytes) {
        let digest = bytes.withUnsafeBytes { Array(SHA256.hash(data: $0)) }
        self.codec = .raw
        self.digest = digest
    }

    /// Parses the textual (base32, `b`-prefixed) form of a CIDv1 with a SHA2-256 multihash.
    ///
    /// Strict on purpose: only the canonical spelling is accepted (lower case, no padding, zero
    /// trailing bits, minimal varints, nothing after the digest), so one object has exactly one
    /// name and the name is safe to use as a file name. CIDv0 (`Qm…`) and other multibases and
    /// hash functions are rejected.
    public init?(_ text: String) {
        var utf8 = Substring(text).utf8
        guard utf8.first == UInt8(ascii: "b") else { return nil }
        utf8 = utf8.dropFirst()
        guard let bytes = Base32.decode(utf8) else { return nil }
        var index = 0
        guard let version = Varint.decode(bytes, at: &index), version == 1,
            let codec = Varint.decode(bytes, at: &index),
            index + 2 + Self.digestLength == bytes.count,
            bytes[index] == Self.sha256Code, Int(bytes[index + 1]) == Self.digestLength
        else { return nil }
        self.codec = Codec(rawValue: codec)
        self.digest = Array(bytes[(index + 2)...])
    }

    /// The binary CID: `varint(1) ‖ varint(codec) ‖ 0x12 ‖ 0x20 ‖ digest`.
    public var bytes: [UInt8] {
        Varint.encode(1) + Varint.encode(codec.rawValue) + [Self.sha256Code, UInt8(Self.digestLength)] + digest
    }

    /// The canonical textual form, e.g. `bafkrei…`.
    public var string: String { "b" + Base32.encode(bytes) }

    /// The canonical textual form, as ``string``.
    public var description: String { string }

    /// True when `bytes` hash to this CID as one raw block; false for any other codec.
    public func matches<Bytes: ContiguousBytes>(rawBlock bytes: Bytes) -> Bool {
        self == ContentID(rawBlock: bytes)
    }

    /// Decodes the textual form, so CIDs in ledger bodies are plain JSON strings.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let cid = ContentID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a CIDv1 with a sha2-256 multihash"))
        }
        self = cid
    }

    /// Encodes the canonical textual form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(string)
    }
}

/// RFC 4648 base32 in lower case without padding, as multibase `b` uses it.
enum Base32 {
    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                out.append(alphabet[Int(buffer >> UInt32(bits) & 0x1F)])
            }
        }
        if bits > 0 {
            out.append(alphabet[Int(buffer << UInt32(5 - bits) & 0x1F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes canonical unpadded lower-case base32; nil for any other character, an impossible
    /// length, or non-zero bits left over after the last whole byte.
    static func decode(_ text: Substring.UTF8View) -> [UInt8]? {
        var out = [UInt8]()
        out.reserveCapacity(text.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for char in text {
            guard let value = value(char) else { return nil }
            buffer = buffer << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        // Leftovers are padding bits: fewer than 5 of them, all zero (otherwise a second
        // spelling of the same bytes, or a truncated character).
        guard bits < 5, buffer == 0 else { return nil }
        return out
    }

    private static func value(_ char: UInt8) -> UInt8? {
        switch char {
        case UInt8(ascii: "a")...UInt8(ascii: "z"): char - UInt8(ascii: "a")
        case UInt8(ascii: "2")...UInt8(ascii: "7"): char - UInt8(ascii: "2") + 26
        default: nil
        }
    }
}

/// Multiformats unsigned varint (LEB128, at most 9 bytes, minimal encoding only).
enum Varint {
    static func encode(_ value: UInt64) -> [UInt8] {
        var value = value
        var out = [UInt8]()
        while value >= 0x80 {
            out.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    /// Reads one varint at `index` and advances past it; nil when truncated, longer than 9 bytes,
    /// or not minimally encoded.
    static func decode(_ bytes: [UInt8], at index: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var position = index
        while position < bytes.count, position - index < 9 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                // A final zero byte after the first adds nothing: a non-minimal spelling.
                if byte == 0, position - index > 1 { return nil }
                index = position
                return value
            }
            shift += 7
        }
        return nil
    }
}
