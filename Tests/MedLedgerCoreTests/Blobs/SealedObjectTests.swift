import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

@Suite("Sealed objects")
struct SealedObjectTests {
    static let owner = AccountAddress("ml" + String(repeating: "ab", count: 20))!
    static let otherOwner = AccountAddress("ml" + String(repeating: "cd", count: 20))!

    @Test("matches an object made by an independent AES-GCM (Python cryptography / OpenSSL)")
    func knownAnswer() throws {
        // key 00..1f, nonce a0..ab, AAD = owner's address, plaintext below; expected bytes from
        // `AESGCM(key).encrypt(nonce, pt, addr.encode())` in Python `cryptography` 48, and the CID
        // from `hashlib` + `base64.b32encode`.
        let key = SymmetricKey(data: (0..<32).map { UInt8($0) })
        let nonce = try AES.GCM.Nonce(data: (0xA0...0xAB).map { UInt8($0) })
        let plaintext = Array("Blood pressure 120/80\n".utf8)
        let expected = "01a0a1a2a3a4a5a6a7a8a9aaaba474134221eb72cd0716f4a6751fe0ef429c7628a2bd105f38230696820bb4d401b647dc4916"
        let object = try SealedObject(sealing: plaintext, key: key, owner: Self.owner, nonce: nonce)
        #expect(Hex.encode(object.bytes) == expected)
        #expect(object.contentID.string == "bafkreifcozwiejkbrptgqwonzvbccdmgcmbel7m4kxpyw7za63satnwdaa")
        #expect(try SealedObject(bytes: Hex.decode(expected)!).open(key: key, owner: Self.owner) == plaintext)
    }

    @Test("round trip, layout and fresh nonces")
    func roundTrip() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Array("{\"allergies\":[\"penicillin\"]}".utf8)
        let first = try SealedObject(sealing: plaintext, key: key, owner: Self.owner)
        let second = try SealedObject(sealing: plaintext, key: key, owner: Self.owner)
        #expect(first.bytes.count == plaintext.count + SealedObject.overhead)
        #expect(SealedObject.overhead == 29)
        #expect(first.bytes[0] == 0x01)
        #expect(first.bytes[1...12] != second.bytes[1...12])
        #expect(first.contentID != second.contentID)
        #expect(first.contentID == ContentID(rawBlock: first.bytes))
        #expect(try first.open(key: key, owner: Self.owner) == plaintext)
        #expect(try SealedObject(bytes: second.bytes).open(key: key, owner: Self.owner) == plaintext)
        #expect(try SealedObject(sealing: [], key: key, owner: Self.owner).open(key: key, owner: Self.owner) == [])
    }

    @Test("another owner or another key cannot open it")
    func wrongOwnerOrKey() throws {
        let key = SymmetricKey(size: .bits256)
        let object = try SealedObject(sealing: Array("note".utf8), key: key, owner: Self.owner)
        #expect(throws: BlobStoreError.self) { try object.open(key: key, owner: Self.otherOwner) }
        #expect(throws: BlobStoreError.self) { try object.open(key: SymmetricKey(size: .bits256), owner: Self.owner) }
        do {
            _ = try object.open(key: key, owner: Self.otherOwner)
            Issue.record("opened for the wrong owner")
        } catch let error as BlobStoreError {
            guard case .integrity = error else { Issue.record("unexpected \(error)"); return }
        }
    }

    @Test("any flipped byte fails", arguments: [0, 1, 12, 13, 20, 32, 33 + 8, 33 + 15])
    func flippedByte(position: Int) throws {
        let key = SymmetricKey(size: .bits256)
        let object = try SealedObject(sealing: Array("twenty bytes of text".utf8), key: key, owner: Self.owner)
        #expect(object.bytes.count == 49)
        var bytes = object.bytes
        bytes[position] ^= 0x01
        #expect(throws: BlobStoreError.self) { try SealedObject(bytes: bytes).open(key: key, owner: Self.owner) }
    }

    @Test("short, oversized and unknown-version objects are rejected before decryption")
    func malformed() {
        #expect(throws: BlobStoreError.integrity("object is shorter than its header and tag")) {
            try SealedObject(bytes: [0x01] + [UInt8](repeating: 0, count: 27))
        }
        #expect(throws: BlobStoreError.integrity("unknown object format version 2")) {
            try SealedObject(bytes: [0x02] + [UInt8](repeating: 0, count: 40))
        }
        #expect(throws: BlobStoreError.integrity("object is larger than one block")) {
            try SealedObject(bytes: [0x01] + [UInt8](repeating: 0, count: SealedObject.maxObjectSize))
        }
    }

    @Test("the largest plaintext fills exactly one 256 KiB block; one more byte is too large")
    func sizeLimit() throws {
        let key = SymmetricKey(size: .bits256)
        #expect(SealedObject.maxPlaintextSize == 256 * 1024 - 29)
        let largest = try SealedObject(sealing: [UInt8](repeating: 0x42, count: SealedObject.maxPlaintextSize), key: key, owner: Self.owner)
        #expect(largest.bytes.count == 262_144)
        #expect(try SealedObject(bytes: largest.bytes).open(key: key, owner: Self.owner).count == SealedObject.maxPlaintextSize)
        #expect(throws: BlobStoreError.tooLarge(limit: 262_115)) {
            try SealedObject(sealing: [UInt8](repeating: 0, count: SealedObject.maxPlaintextSize + 1), key: key, owner: Self.owner)
        }
    }

    @Test("keys other than 256 bits are refused")
    func keySize() {
        #expect(throws: BlobStoreError.self) {
            try SealedObject(sealing: [1], key: SymmetricKey(size: .bits128), owner: Self.owner)
        }
    }
}
