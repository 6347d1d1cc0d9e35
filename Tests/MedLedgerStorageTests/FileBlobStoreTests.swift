import Crypto
import Foundation
import MedLedgerCore
import Testing

@testable import MedLedgerStorage

@Suite("File blob store")
struct FileBlobStoreTests {
    static let owner = AccountAddress("ml" + String(repeating: "12", count: 20))!
    static let other = AccountAddress("ml" + String(repeating: "34", count: 20))!

    /// A fresh directory under the system temporary directory, removed by `cleanUp`.
    struct TempDirectory {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-blobs-\(UUID().uuidString)", isDirectory: true)
        func cleanUp() { try? FileManager.default.removeItem(at: url) }
    }

    static func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)!.intValue
    }

    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    @Test("round trip writes one sealed object at blobs/<last two>/<cid> and nothing else")
    func roundTrip() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Array("{\"name\":\"Ada\",\"bloodType\":\"O-\"}".utf8)
        let cid = try await store.put(plaintext, owner: Self.owner)
        let id = try #require(ContentID(cid))
        #expect(id.codec == .raw)
        #expect(try await store.contains(cid))
        #expect(try await store.get(cid, owner: Self.owner) == plaintext)

        let path = dir.url.path + "/blobs/\(cid.suffix(2))/\(cid)"
        #expect(store.objectPath(for: id) == path)
        let onDisk = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(onDisk.count == plaintext.count + SealedObject.overhead)
        #expect(onDisk.first == SealedObject.version)
        #expect(onDisk.firstRange(of: Array("Ada".utf8)) == nil)
        #expect(Self.entries(dir.url.path + "/blobs/\(cid.suffix(2))") == [cid])
        #expect(Self.entries(dir.url.path) == ["blobs", "keys", "master.key"])
        #expect(Self.entries(dir.url.path + "/keys") == ["\(Self.owner).key"])
    }

    @Test("the CID is the raw-block CID of the stored ciphertext, stable across reads and instances")
    func cidIsStable() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Array("report".utf8)
        let cid = try await store.put(plaintext, owner: Self.owner)
        let path = store.objectPath(for: ContentID(cid)!)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(ContentID(rawBlock: bytes).string == cid)
        #expect(ContentID(rawBlock: bytes).string == ContentID(rawBlock: bytes).string)
        _ = try await store.get(cid, owner: Self.owner)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == bytes)
        // A fresh nonce per put: same plaintext, new ciphertext, new CID; both readable.
        let again = try await store.put(plaintext, owner: Self.owner)
        #expect(again != cid)
        let reopened = try FileBlobStore(directory: dir.url)
        #expect(try await reopened.get(cid, owner: Self.owner) == plaintext)
        #expect(try await reopened.get(again, owner: Self.owner) == plaintext)
    }

    @Test("another patient cannot read the object, whether or not they have a key")
    func wrongOwner() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let cid = try await store.put(Array("x".utf8), owner: Self.owner)
        await #expect(throws: BlobStoreError.integrity("object does not authenticate for this owner")) {
            try await store.get(cid, owner: Self.other)
        }
        #expect(!FileManager.default.fileExists(atPath: store.keyPath(for: Self.other)), "a read must not mint a key")
        _ = try await store.put(Array("y".utf8), owner: Self.other)
        await #expect(throws: BlobStoreError.integrity("object does not authenticate for this owner (wrong owner or key, or altered)")) {
            try await store.get(cid, owner: Self.other)
        }
    }

    @Test("a flipped byte on disk is an integrity error", arguments: [0, 1, 14, 20, 40])
    func flippedByte(position: Int) async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let cid = try await store.put(Array("twelve bytes".utf8), owner: Self.owner)
        let url = URL(fileURLWithPath: store.objectPath(for: ContentID(cid)!))
        var bytes = try [UInt8](Data(contentsOf: url))
        #expect(bytes.count == 41)
        bytes[position] ^= 0x04
        try Data(bytes).write(to: url)
        await #expect(throws: BlobStoreError.integrity("stored bytes do not hash to \(cid)")) {
            try await store.get(cid, owner: Self.owner)
        }
    }

    @Test("truncated, empty, extended or substituted files are integrity errors")
    func damagedFiles() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let cid = try await store.put(Array("lab results".utf8), owner: Self.owner)
        let otherCID = try await store.put(Array("other results".utf8), owner: Self.owner)
        let url = URL(fileURLWithPath: store.objectPath(for: ContentID(cid)!))
        let original = try Data(contentsOf: url)
        let substitute = try Data(contentsOf: URL(fileURLWithPath: store.objectPath(for: ContentID(otherCID)!)))
        for damaged in [original.dropLast(), original.prefix(5), Data(), original + [0], substitute] {
            try Data(damaged).write(to: url)
            await #expect(throws: BlobStoreError.integrity("stored bytes do not hash to \(cid)")) {
                try await store.get(cid, owner: Self.owner)
            }
        }
        try original.write(to: url)
        #expect(try await store.get(cid, owner: Self.owner) == Array("lab results".utf8))
    }

    @Test("missing objects, invalid CIDs and oversize content")
    func missingInvalidOversize() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let missing = ContentID(rawBlock: Array("never stored".utf8)).string
        #expect(try await store.contains(missing) == false)
        await #expect(throws: BlobStoreError.notFound) { try await store.get(missing, owner: Self.owner) }
        for bad in ["", "not-a-cid", "b../../master.key", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", missing.uppercased()] {
            await #expect(throws: BlobStoreError.invalidCID) { try await store.get(bad, owner: Self.owner) }
            await #expect(throws: BlobStoreError.invalidCID) { try await store.contains(bad) }
        }
        await #expect(throws: BlobStoreError.tooLarge(limit: 256 * 1024 - 29)) {
            try await store.put([UInt8](repeating: 1, count: SealedObject.maxPlaintextSize + 1), owner: Self.owner)
        }
        #expect(Self.entries(dir.url.path + "/keys").isEmpty, "an oversize put must not mint a key")
        let largest = [UInt8](repeating: 2, count: SealedObject.maxPlaintextSize)
        let cid = try await store.put(largest, owner: Self.owner)
        #expect(try await store.get(cid, owner: Self.owner) == largest)
        let size = try FileManager.default.attributesOfItem(atPath: store.objectPath(for: ContentID(cid)!))[.size] as? NSNumber
        #expect(size?.intValue == 256 * 1024)
    }

    @Test("patient keys persist under the same master key and are unreadable under another")
    func keysPersist() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let first = try FileBlobStore(directory: dir.url)
        let cid = try await first.put(Array("persisted".utf8), owner: Self.owner)
        let keyFile = try Data(contentsOf: URL(fileURLWithPath: first.keyPath(for: Self.owner)))
        #expect(keyFile.count == 32 + SealedObject.overhead)

        // Same directory, master.key read back from disk.
        let second = try FileBlobStore(directory: dir.url)
        #expect(try await second.get(cid, owner: Self.owner) == Array("persisted".utf8))

        // Same master key supplied explicitly.
        let masterBytes = try Data(contentsOf: dir.url.appendingPathComponent("master.key"))
        #expect(masterBytes.count == 32)
        let supplied = try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(data: masterBytes))
        #expect(try await supplied.get(cid, owner: Self.owner) == Array("persisted".utf8))

        // Another master key: the key file does not open, and is not replaced by a put.
        let foreign = try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(size: .bits256))
        await #expect(throws: BlobStoreError.integrity("the key file for \(Self.owner) does not open under this master key")) {
            try await foreign.get(cid, owner: Self.owner)
        }
        await #expect(throws: BlobStoreError.integrity("the key file for \(Self.owner) does not open under this master key")) {
            try await foreign.put(Array("overwrite?".utf8), owner: Self.owner)
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.keyPath(for: Self.owner))) == keyFile)
        #expect(try await second.get(cid, owner: Self.owner) == Array("persisted".utf8))

        // A key file moved to another patient's name does not open for them (AAD = address).
        try keyFile.write(to: URL(fileURLWithPath: first.keyPath(for: Self.other)))
        await #expect(throws: BlobStoreError.integrity("the key file for \(Self.other) does not open under this master key")) {
            try await FileBlobStore(directory: dir.url).get(cid, owner: Self.other)
        }
    }

    @Test("master.key and key files are 0600, directories 0700, and no temporary files remain")
    func modes() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let cid = try await store.put(Array("m".utf8), owner: Self.owner)
        #expect(try Self.mode(dir.url.path + "/master.key") == 0o600)
        #expect(try Self.mode(store.keyPath(for: Self.owner)) == 0o600)
        #expect(try Self.mode(store.objectPath(for: ContentID(cid)!)) == 0o600)
        for sub in ["", "/blobs", "/keys", "/blobs/\(cid.suffix(2))"] {
            #expect(try Self.mode(dir.url.path + sub) == 0o700, "\(sub)")
        }
        #expect(!Self.entries(dir.url.path + "/keys").contains { $0.hasPrefix(".tmp-") })
        #expect(!Self.entries(dir.url.path + "/blobs/\(cid.suffix(2))").contains { $0.hasPrefix(".tmp-") })
    }

    @Test("a supplied master key leaves no master.key on disk; a malformed one is refused")
    func suppliedMasterKey() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let key = SymmetricKey(size: .bits256)
        let store = try FileBlobStore(directory: dir.url, masterKey: key)
        let cid = try await store.put(Array("s".utf8), owner: Self.owner)
        #expect(!FileManager.default.fileExists(atPath: dir.url.path + "/master.key"))
        #expect(try await FileBlobStore(directory: dir.url, masterKey: key).get(cid, owner: Self.owner) == Array("s".utf8))
        #expect(throws: FileBlobStoreError.self) { try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(size: .bits128)) }
        try Data([1, 2, 3]).write(to: dir.url.appendingPathComponent("master.key"))
        #expect(throws: FileBlobStoreError.self) { try FileBlobStore(directory: dir.url) }
    }

    @Test("concurrent first uses by separate store instances end with one key")
    func concurrentFirstUse() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let masterKey = SymmetricKey(size: .bits256)
        let stores = try (0..<4).map { _ in try FileBlobStore(directory: dir.url, masterKey: masterKey) }
        let cids = try await withThrowingTaskGroup(of: (String, [UInt8]).self) { group in
            for index in 0..<32 {
                let store = stores[index % stores.count]
                group.addTask {
                    let plaintext = Array("note \(index)".utf8)
                    return (try await store.put(plaintext, owner: Self.owner), plaintext)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Self.entries(dir.url.path + "/keys") == ["\(Self.owner).key"])
        let fresh = try FileBlobStore(directory: dir.url, masterKey: masterKey)
        for (cid, plaintext) in cids {
            #expect(try await fresh.get(cid, owner: Self.owner) == plaintext)
        }
    }

    @Test("concurrent master key creation agrees on one key")
    func concurrentMasterKey() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        try FileManager.default.createDirectory(at: dir.url, withIntermediateDirectories: true)
        let path = dir.url.appendingPathComponent("master.key").path
        let keys = try await withThrowingTaskGroup(of: [UInt8].self) { group in
            for _ in 0..<8 {
                group.addTask { try FileBlobStore.loadOrCreateMasterKey(at: path).withUnsafeBytes { Array($0) } }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(keys).count == 1)
        #expect(try [UInt8](Data(contentsOf: URL(fileURLWithPath: path))) == keys[0])
    }

    @Test("DataDirectory opens the blob store in the data directory")
    func dataDirectory() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let data = DataDirectory(path: dir.url.path)
        try data.create()
        let cid = try await data.openBlobStore().put(Array("profile".utf8), owner: Self.owner)
        #expect(try await data.openBlobStore().get(cid, owner: Self.owner) == Array("profile".utf8))
        #expect(FileManager.default.fileExists(atPath: dir.url.path + "/master.key"))
        #expect(FileManager.default.fileExists(atPath: dir.url.path + "/blobs/\(cid.suffix(2))/\(cid)"))
    }
}
