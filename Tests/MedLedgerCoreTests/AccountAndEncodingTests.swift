import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

@Suite("account addresses")
struct AccountAddressTests {
    @Test("an address is 'ml' + hex of the first 20 bytes of SHA-256 of the 65-byte uncompressed point")
    func derivation() throws {
        for _ in 0..<20 {
            let key = P256.Signing.PrivateKey().publicKey
            // rawRepresentation is X‖Y; the uncompressed SEC1 point prefixes it with 0x04.
            let point = [UInt8(0x04)] + [UInt8](key.rawRepresentation)
            #expect(point.count == 65)
            #expect([UInt8](key.x963Representation) == point)
            let digest = Array(SHA256.hash(data: point))
            let expected = "ml" + digest.prefix(20).map { String(format: "%02x", $0) }.joined()
            let address = AccountAddress(publicKey: key)
            #expect(address.rawValue == expected)
            #expect(address.rawValue.utf8.count == 42)
            #expect(key.address == address)
            #expect(AccountAddress(address.rawValue) == address)
        }
    }

    @Test("a fixed private key always derives the same address")
    func deterministic() throws {
        let raw = [UInt8](repeating: 0x11, count: 32)
        let a = try P256.Signing.PrivateKey(rawRepresentation: raw)
        let b = try P256.Signing.PrivateKey(rawRepresentation: raw)
        #expect(a.publicKey.address == b.publicKey.address)
        #expect(a.publicKey.address != P256.Signing.PrivateKey().publicKey.address)
    }

    @Test("textual addresses of the wrong shape are rejected",
          arguments: [
              "", "ml", "ml" + String(repeating: "a", count: 39), "ml" + String(repeating: "a", count: 41),
              "mx" + String(repeating: "a", count: 40), "ML" + String(repeating: "a", count: 40),
              "ml" + String(repeating: "A", count: 40), "ml" + String(repeating: "g", count: 40),
              "0x" + String(repeating: "a", count: 40), String(repeating: "a", count: 42),
              "ml" + String(repeating: "a", count: 39) + "\u{e9}", " ml" + String(repeating: "a", count: 39),
          ])
    func rejectsBadShapes(text: String) {
        #expect(AccountAddress(text) == nil)
    }

    @Test("well-shaped textual addresses are accepted as they are")
    func acceptsGoodShapes() {
        let text = "ml0123456789abcdef0123456789abcdef01234567"
        #expect(AccountAddress(text)?.rawValue == text)
        #expect(AccountAddress(text)?.description == text)
    }

    @Test("addresses encode as JSON strings and refuse to decode from bad ones")
    func codable() throws {
        let address = P256.Signing.PrivateKey().publicKey.address
        let data = try JSONEncoder().encode([address])
        #expect(String(decoding: data, as: UTF8.self) == "[\"\(address.rawValue)\"]")
        #expect(try JSONDecoder().decode([AccountAddress].self, from: data) == [address])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([AccountAddress].self, from: Data(#"["mlXYZ"]"#.utf8))
        }
    }

    @Test("addresses order by their text")
    func ordering() {
        let a = AccountAddress("ml" + String(repeating: "0", count: 40))!
        let b = AccountAddress("ml" + String(repeating: "f", count: 40))!
        #expect(a < b)
        #expect(!(b < a))
    }

    @Test("payload keys are unpadded base64url of the uncompressed point and parse back")
    func payloadKeys() throws {
        let key = P256.Signing.PrivateKey().publicKey
        let text = key.payloadKey
        #expect(text.utf8.count == 87)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(Base64Coding.decodeURL(text) == [UInt8](key.x963Representation))
        let parsed = try #require(P256.Signing.PublicKey.fromPayloadKey(text))
        #expect(parsed.rawRepresentation == key.rawRepresentation)
    }

    @Test("payload keys in other forms are refused")
    func payloadKeyRejections() {
        let key = P256.Signing.PrivateKey().publicKey
        #expect(P256.Signing.PublicKey.fromPayloadKey(Base64Coding.url(key.compressedRepresentation)) == nil)
        #expect(P256.Signing.PublicKey.fromPayloadKey(Base64Coding.url(key.rawRepresentation)) == nil)
        #expect(P256.Signing.PublicKey.fromPayloadKey(key.payloadKey + "=") == nil)
        #expect(P256.Signing.PublicKey.fromPayloadKey(Base64Coding.standard(key.x963Representation)) == nil)
        var wrongPrefix = [UInt8](key.x963Representation)
        wrongPrefix[0] = 0x05
        #expect(P256.Signing.PublicKey.fromPayloadKey(Base64Coding.url(wrongPrefix)) == nil)
        #expect(P256.Signing.PublicKey.fromPayloadKey(Base64Coding.url([0x04] + [UInt8](repeating: 1, count: 64))) == nil)
        #expect(P256.Signing.PublicKey.fromPayloadKey("") == nil)
    }
}

@Suite("base64 and hex")
struct Base64CodingTests {
    @Test("standard and URL forms round-trip every length 0...40", arguments: 0...40)
    func roundTrips(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 97 &+ 251) }
        let standard = Base64Coding.standard(bytes)
        let url = Base64Coding.url(bytes)
        #expect(standard == Data(bytes).base64EncodedString())
        #expect(Base64Coding.decodeStandard(standard) == bytes)
        #expect(Base64Coding.decodeURL(url) == bytes)
        #expect(standard.utf8.count % 4 == 0)
        #expect(!url.contains("="))
        #expect(url == standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: ""))
    }

    @Test("known spellings")
    func knownSpellings() {
        #expect(Base64Coding.standard([0xFB, 0xFF]) == "+/8=")
        #expect(Base64Coding.url([0xFB, 0xFF]) == "-_8")
        #expect(Base64Coding.standard([UInt8]()) == "")
        #expect(Base64Coding.url(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64Coding.url(Array("fo".utf8)) == "Zm8")
        #expect(Base64Coding.decodeStandard("Zm8=") == Array("fo".utf8))
        #expect(Base64Coding.decodeStandard("") == [])
        #expect(Base64Coding.decodeURL("") == [])
    }

    @Test("URL decoding rejects padding, the standard alphabet, whitespace and non-canonical spellings",
          arguments: ["-_8=", "+/8", "Zm8=", "Zm9v YmFy", " Zm8", "Zm8\n", "Zm9", "A", "Zm9vY", "Zm8.", "\u{e9}\u{e9}"])
    func urlRejections(text: String) {
        #expect(Base64Coding.decodeURL(text) == nil)
    }

    @Test("standard decoding rejects missing padding, the URL alphabet, whitespace and non-canonical spellings",
          arguments: ["Zm8", "-_8=", "Zm9v YmFy", " Zm8=", "Zm8=\n", "Zm8=\r\n", "Zm9=", "Zm8==", "=", "Zm8=Zm8="])
    func standardRejections(text: String) {
        #expect(Base64Coding.decodeStandard(text) == nil)
    }

    @Test("hex encodes lower-case and decodes either case, rejecting odd lengths and other characters")
    func hex() {
        #expect(Hex.encode([0x00, 0x0F, 0xA0, 0xFF]) == "000fa0ff")
        #expect(Hex.decode("000fa0ff") == [0x00, 0x0F, 0xA0, 0xFF])
        #expect(Hex.decode("000FA0FF") == [0x00, 0x0F, 0xA0, 0xFF])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0x00") == nil)
        #expect(Hex.decode(" 0") == nil)
    }
}
