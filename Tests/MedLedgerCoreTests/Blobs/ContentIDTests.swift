import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// Expected CIDs are built here from the spec, independently of `ContentID`: the SHA-256 digests
/// are the FIPS 180-2 example values (`""`, `"abc"`) or were computed with coreutils `sha256sum`
/// (`"hello world\n"`); the literal CIDs were computed with Python's `base64.b32encode` over
/// `01 55 12 20 ‖ digest`; the empty one is also the well-known IPFS empty raw block.
@Suite("Content IDs")
struct ContentIDTests {
    /// RFC 4648 base32, lower case, unpadded, via a bit string: deliberately unlike `Base32`.
    static func referenceBase32(_ bytes: [UInt8]) -> String {
        var bits = bytes.map { byte in
            let binary = String(byte, radix: 2)
            return String(repeating: "0", count: 8 - binary.count) + binary
        }.joined()
        while bits.count % 5 != 0 { bits += "0" }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var out = ""
        var index = bits.startIndex
        while index < bits.endIndex {
            let next = bits.index(index, offsetBy: 5)
            out.append(alphabet[Int(bits[index..<next], radix: 2)!])
            index = next
        }
        return out
    }

    /// `b` ‖ base32(version 1 ‖ raw codec 0x55 ‖ sha2-256 0x12 ‖ length 0x20 ‖ digest), by hand.
    static func handBuiltRawCID(digestHex: String) -> String {
        "b" + referenceBase32([0x01, 0x55, 0x12, 0x20] + Hex.decode(digestHex)!)
    }

    static let vectors: [(content: String, digestHex: String, cid: String)] = [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "bafkreif2pall7dybz7vecqka3zo24irdwabwdi4wc55jznaq75q7eaavvu"),
        ("hello world\n", "a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447", "bafkreifjjcie6lypi6ny7amxnfftagclbuxndqonfipmb64f2km2devei4"),
    ]

    @Test("raw-block CIDs of known contents match the vectors and the hand-built spec form", arguments: 0..<3)
    func knownVectors(index: Int) {
        let vector = Self.vectors[index]
        let cid = ContentID(rawBlock: Array(vector.content.utf8))
        #expect(cid.string == vector.cid)
        #expect(Self.handBuiltRawCID(digestHex: vector.digestHex) == vector.cid)
        #expect(Hex.encode(cid.digest) == vector.digestHex)
        #expect(cid.codec == .raw)
        #expect(cid.description == vector.cid)
    }

    @Test("every raw CID is the spec layout of the SHA-256 digest and parses back to itself")
    func randomContentsMatchSpecLayout() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 31, 32, 33, 1000, ContentID.maxRawBlockSize] {
            let content = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let cid = ContentID(rawBlock: content)
            let expected = Self.handBuiltRawCID(digestHex: Hex.encode(SHA256.hash(data: content)))
            #expect(cid.string == expected)
            #expect(cid.string.utf8.count == 59)
            #expect(cid.bytes == [0x01, 0x55, 0x12, 0x20] + cid.digest)
            #expect(ContentID(cid.string) == cid)
            #expect(cid.matches(rawBlock: content))
            #expect(!cid.matches(rawBlock: content + [0]))
        }
    }

    @Test("a dag-pb CID parses with its codec and prints back identically")
    func dagPBParses() throws {
        let digest = Array(SHA256.hash(data: Array("x".utf8)))
        let text = "b" + Self.referenceBase32([0x01, 0x70, 0x12, 0x20] + digest)
        #expect(text.hasPrefix("bafybei"))
        let cid = try #require(ContentID(text))
        #expect(cid.codec == .dagPB)
        #expect(cid.digest == digest)
        #expect(cid.string == text)
        #expect(cid != ContentID(rawBlock: Array("x".utf8)))
    }

    @Test("non-canonical or foreign spellings are rejected", arguments: [
        "",
        "b",
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk",  // one character short
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykua",  // one character long
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvykv",  // non-zero trailing bits
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku=",  // padding
        "BAFKREIHDWDCEFGH4DQKJV67UZCMW7OJEE6XEDZDETOJUZJEVTENXQUVYKU",  // multibase B (upper)
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyKU",  // mixed case
        "Bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku",
        "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH",  // CIDv0
        "zb2rhe5P4gXftAwvA4eXQ5HJwsER2owDyS9sKaQRRVQPn93bA",  // base58 multibase
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk1",  // not in the alphabet
        "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyk/",
        "b../../etc/passwd",
    ])
    func rejectsBadText(_ text: String) {
        #expect(ContentID(text) == nil)
    }

    @Test("wrong version, hash function, digest length, varint spelling or trailing bytes are rejected")
    func rejectsBadBinary() {
        let digest = [UInt8](repeating: 7, count: 32)
        let bad: [[UInt8]] = [
            [0x00, 0x55, 0x12, 0x20] + digest,  // version 0 in v1 framing
            [0x02, 0x55, 0x12, 0x20] + digest,  // version 2
            [0x01, 0x55, 0x13, 0x20] + digest,  // sha2-512 code
            [0x01, 0x55, 0x12, 0x1F] + digest.dropFirst(),  // short digest
            [0x01, 0x55, 0x12, 0x20] + digest.dropFirst(),  // truncated digest
            [0x01, 0x55, 0x12, 0x20] + digest + [0x00],  // trailing byte
            [0x81, 0x00, 0x55, 0x12, 0x20] + digest,  // version 1 as a two-byte varint
            [0x01, 0xD5, 0x00, 0x12, 0x20] + digest,  // codec 0x55 as a two-byte varint
            [0x01, 0x55],
        ]
        for bytes in bad {
            #expect(ContentID("b" + Self.referenceBase32(bytes)) == nil, "\(Hex.encode(bytes))")
        }
        #expect(ContentID("b" + Self.referenceBase32([0x01, 0x55, 0x12, 0x20] + digest)) != nil)
    }

    @Test("only 32-byte digests make a CID")
    func digestLength() {
        #expect(ContentID(codec: .raw, sha256Digest: [UInt8](repeating: 0, count: 31)) == nil)
        #expect(ContentID(codec: .raw, sha256Digest: [UInt8](repeating: 0, count: 32))?.codec == .raw)
    }

    @Test("Codable uses the textual form and rejects anything else")
    func codable() throws {
        let cid = ContentID(rawBlock: Array("abc".utf8))
        let json = try JSONEncoder().encode([cid])
        #expect(String(decoding: json, as: UTF8.self) == #"["\#(Self.vectors[1].cid)"]"#)
        #expect(try JSONDecoder().decode([ContentID].self, from: json) == [cid])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ContentID].self, from: Data(#"["bafy"]"#.utf8)) }
    }

    @Test("base32 matches the RFC 4648 §10 vectors (lower case, unpadded) both ways")
    func base32Vectors() {
        let vectors = [("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foob", "mzxw6yq"), ("fooba", "mzxw6ytb"), ("foobar", "mzxw6ytboi")]
        for (plain, encoded) in vectors {
            #expect(Base32.encode(Array(plain.utf8)) == encoded)
            #expect(Base32.decode(Substring(encoded).utf8) == Array(plain.utf8))
        }
        #expect(Base32.decode(Substring("m").utf8) == nil)  // impossible length
        #expect(Base32.decode(Substring("mz").utf8) == nil)  // non-zero leftover bits
    }

    @Test("varints are LEB128 and must be minimal")
    func varints() {
        #expect(Varint.encode(1) == [0x01])
        #expect(Varint.encode(0x55) == [0x55])
        #expect(Varint.encode(0x7F) == [0x7F])
        #expect(Varint.encode(0x80) == [0x80, 0x01])
        #expect(Varint.encode(300) == [0xAC, 0x02])
        for value: UInt64 in [0, 1, 127, 128, 300, 16383, 16384, 1 << 62] {
            var index = 0
            let encoded = Varint.encode(value)
            #expect(Varint.decode(encoded, at: &index) == value)
            #expect(index == encoded.count)
        }
        var index = 0
        #expect(Varint.decode([0x80], at: &index) == nil)  // truncated
        #expect(Varint.decode([0xFF, 0x00], at: &index) == nil)  // non-minimal
        #expect(Varint.decode([UInt8](repeating: 0xFF, count: 9) + [0x01], at: &index) == nil)  // over 9 bytes
        #expect(index == 0)
    }
}
