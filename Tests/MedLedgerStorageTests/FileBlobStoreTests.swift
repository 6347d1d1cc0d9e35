import Crypto
import Foundation
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerStorage

@Suite("File blob store")
struct FileBlobStoreTests {
    static let owner = AccountAddress("ml" + String(repeating: "12", count: 20))!
    static let other = AccountAddress("ml" + String(repeating: "34", count: 20))!
    static let stranger = AccountAddress("ml" + String(repeating: "56", count: 20))!
    static let octets = BlobMetadata(mediaType: "application/octet-stream")
    static let mib = 1 << 20

    // MARK: Helpers

    /// A fresh directory under the system temporary directory, removed by `cleanUp`.
    struct TempDirectory {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-blobs-\(UUID().uuidString)", isDirectory: true)
        var path: String { url.path }
        func cleanUp() { try? FileManager.default.removeItem(at: url) }
    }

    static func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] { TestBytes.pattern(count, seed: seed) }

    /// Ten million bytes of plaintext, made once.
    static let tenMillion = pattern(10_000_000, seed: 10)

    /// Uneven write sizes: single bytes, odd sizes, exact segments and chunks, several batches.
    static let unevenPieces = [1, 4093, 65_536, 1_000_003, 7, 3_000_000, 65_535, 262_144, 4 << 20, 12_345]

    static func mode(_ path: String) throws -> Int {
        try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)!.intValue
    }

    static func entries(_ path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }

    static func bytes(_ path: String) throws -> [UInt8] {
        try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// Every file stored under a CID (`blobs/<xx>/*`), as paths relative to `blobs/`.
    static func objectFiles(_ dir: TempDirectory) -> [String] {
        let blobs = dir.path + "/blobs"
        return entries(blobs).filter { $0 != "tmp" }.flatMap { shard in entries(blobs + "/" + shard).map { shard + "/" + $0 } }
    }

    /// Every regular file anywhere under `dir`.
    static func allFiles(_ dir: TempDirectory) -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: dir.path)
        var files: [String] = []
        while let name = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: dir.path + "/" + name, isDirectory: &isDirectory), !isDirectory.boolValue {
                files.append(dir.path + "/" + name)
            }
        }
        return files
    }

    /// True when `needle` occurs in `haystack` (memchr for candidates, memcmp to confirm).
    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard let first = needle.first else { return true }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pin in
                guard let base = hay.baseAddress, hay.count >= pin.count else { return false }
                var start = 0
                while hay.count - start >= pin.count {
                    guard let hit = memchr(base + start, Int32(first), hay.count - start - pin.count + 1) else { return false }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, pin.baseAddress!, pin.count) == 0 { return true }
                    start = offset + 1
                }
                return false
            }
        }
    }

    /// Writes `plaintext` through one writer, in pieces of the sizes in `pieces` (cycled).
    static func write(
        _ plaintext: [UInt8], to store: FileBlobStore, owner: AccountAddress = owner, metadata: BlobMetadata = octets,
        pieces: [Int] = [1 << 20]
    ) async throws -> StoredBlob {
        let writer = try await store.makeWriter(owner: owner, metadata: metadata)
        var offset = 0
        var piece = 0
        while offset < plaintext.count {
            let end = min(plaintext.count, offset + pieces[piece % pieces.count])
            try await writer.write(Array(plaintext[offset..<end]))
            offset = end
            piece += 1
        }
        return try await writer.commit()
    }

    /// Reads `range` from `reader`, keeping the pieces handed over.
    static func read(_ reader: any BlobReader, _ range: Range<Int64>) async throws -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        try await reader.read(range) { pieces.append($0) }
        return pieces
    }

    /// Flips bits of one byte of a file in place (same inode, as a disk error would).
    static func flip(_ path: String, at offset: Int64, mask: UInt8 = 0x01) throws {
        let fd = Foundation.open(path, O_RDWR)
        try #require(fd >= 0)
        defer { close(fd) }
        var byte: UInt8 = 0
        try #require(pread(fd, &byte, 1, off_t(offset)) == 1)
        byte ^= mask
        try #require(pwrite(fd, &byte, 1, off_t(offset)) == 1)
    }

    static func isIntegrity(_ error: any Error) -> Bool {
        if case .integrity = error as? BlobStoreError { return true }
        return false
    }

    /// Expects `body` to throw ``BlobStoreError/integrity(_:)`` (and so to return no plaintext).
    static func expectIntegrity<R>(
        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> R
    ) async {
        do {
            _ = try await body()
            Issue.record("expected an integrity error, got a result \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        } catch {
            #expect(isIntegrity(error), "\(error) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        }
    }

    /// The header size of objects written with `metadata` (it does not depend on the keys).
    static func headerSize(_ metadata: BlobMetadata = octets) throws -> Int {
        try StreamSealer(owner: owner, patientKey: SymmetricKey(size: .bits256), metadata: metadata).header.size
    }

    /// The plaintext size whose object is exactly `storedSize` bytes, if one is.
    static func plaintextSize(forStoredSize storedSize: Int, headerSize: Int) -> Int? {
        let body = storedSize - headerSize
        let estimate = max(1, body / 65552)
        for segments in (estimate - 1)...(estimate + 1) where segments >= 1 {
            let plaintext = body - 16 * segments
            if plaintext >= 0, max(1, (plaintext + 65535) / 65536) == segments { return plaintext }
        }
        return nil
    }

    // MARK: Round trips and layout

    @Test("a small object round-trips and lies at blobs/<last two>/<cid>, hashing to its CID, with 0600 keys and an empty blobs/tmp")
    func smallRoundTrip() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Array("{\"name\":\"Ada Lovelace\",\"bloodType\":\"O-\",\"allergies\":[\"penicillin\"]}".utf8)
        let cid = try await store.put(plaintext, owner: Self.owner)
        let id = try #require(ContentID(cid))
        #expect(id.codec == .raw)
        #expect(try await store.contains(cid))
        #expect(try await store.get(cid, owner: Self.owner) == plaintext)

        let path = dir.path + "/blobs/\(cid.suffix(2))/\(cid)"
        #expect(store.objectPath(for: id) == path)
        let onDisk = try Self.bytes(path)
        #expect(UnixFSFileBuilder.contentID(of: onDisk).string == cid)
        let header = try SealedObjectHeader(parsing: onDisk)
        #expect(header.owner == Self.owner)
        #expect(Int64(onDisk.count) == StreamSealer.storedSize(plaintextSize: Int64(plaintext.count), headerSize: header.size, segmentSize: 65536))

        #expect(Self.entries(dir.path) == ["blobs", "keys", "master.key"])
        // 1,024 shard folders are made up front; only the CID's holds a file.
        let shards = Self.entries(dir.path + "/blobs").filter { $0 != "tmp" }
        #expect(shards.count == 1024 && Self.entries(dir.path + "/blobs").contains("tmp"))
        #expect(shards.filter { !Self.entries(dir.path + "/blobs/" + $0).isEmpty } == [String(cid.suffix(2))])
        #expect(Self.entries(dir.path + "/blobs/\(cid.suffix(2))") == [cid])
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(Self.entries(dir.path + "/keys") == ["\(Self.owner).key"])
        #expect(store.keyPath(for: Self.owner) == dir.path + "/keys/\(Self.owner).key")
        #expect(try Self.mode(dir.path + "/master.key") == 0o600)
        #expect(try Self.mode(store.keyPath(for: Self.owner)) == 0o600)
        #expect(try Self.mode(path) == 0o600)
        for sub in ["", "/blobs", "/blobs/tmp", "/keys", "/blobs/\(cid.suffix(2))"] {
            #expect(try Self.mode(dir.path + sub) == 0o700, "\(sub)")
        }

        // No plaintext anywhere on disk.
        for file in Self.allFiles(dir) {
            let content = try Self.bytes(file)
            for needle in ["Ada Lovelace", "penicillin", "bloodType", "application/json"] {
                #expect(!Self.contains(content, Array(needle.utf8)), "\(needle) in \(file)")
            }
        }

        let reader = try await store.open(cid, owner: Self.owner)
        defer { reader.close() }
        #expect(reader.size == Int64(plaintext.count))
        #expect(reader.metadata == BlobMetadata(mediaType: "application/json"))
    }

    @Test("10 MB written in uneven pieces round-trips; the file hashes to its dag-pb CID and holds no plaintext")
    func largeRoundTrip() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Self.tenMillion
        let metadata = BlobMetadata(mediaType: "application/dicom", fileName: "MRT Knie 2024-03-01.dcm")
        let blob = try await Self.write(plaintext, to: store, metadata: metadata, pieces: Self.unevenPieces)
        #expect(blob.size == 10_000_000)
        let id = try #require(ContentID(blob.cid))
        #expect(id.codec == .dagPB)

        let onDisk = try Self.bytes(store.objectPath(for: id))
        #expect(Int64(onDisk.count) == blob.storedSize)
        #expect(blob.storedSize == StreamSealer.storedSize(plaintextSize: 10_000_000, headerSize: try Self.headerSize(metadata), segmentSize: 65536))
        #expect(UnixFSFileBuilder.contentID(of: onDisk).string == blob.cid)
        #expect(Self.objectFiles(dir) == ["\(blob.cid.suffix(2))/\(blob.cid)"])
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)

        for start in stride(from: 0, to: plaintext.count - 32, by: 199_999) {
            #expect(!Self.contains(onDisk, Array(plaintext[start..<(start + 32)])), "plaintext at \(start) is on disk")
        }
        #expect(!Self.contains(onDisk, Array("MRT Knie".utf8)))

        let reader = try await store.open(blob.cid, owner: Self.owner)
        defer { reader.close() }
        #expect(reader.size == 10_000_000)
        #expect(reader.metadata == metadata)
        let pieces = try await Self.read(reader, 0..<reader.size)
        #expect(pieces.allSatisfy { !$0.isEmpty && $0.count <= 65536 })
        #expect(pieces.joined().elementsEqual(plaintext))
        #expect(try await store.get(blob.cid, owner: Self.owner) == plaintext)
    }

    @Test("an empty object is a header and one empty segment, and reads back as nothing")
    func emptyObject() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let writer = try await store.makeWriter(owner: Self.owner, metadata: Self.octets)
        try await writer.write([])
        let blob = try await writer.commit()
        #expect(blob.size == 0)
        #expect(blob.storedSize == Int64(try Self.headerSize() + 16))
        let onDisk = try Self.bytes(store.objectPath(for: try #require(ContentID(blob.cid))))
        #expect(Int64(onDisk.count) == blob.storedSize)
        #expect(UnixFSFileBuilder.contentID(of: onDisk).string == blob.cid)
        #expect(try await store.get(blob.cid, owner: Self.owner) == [])
        let reader = try await store.open(blob.cid, owner: Self.owner)
        defer { reader.close() }
        #expect(reader.size == 0)
        #expect(try await Self.read(reader, 0..<100).isEmpty)
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
    }

    @Test(
        "objects ending exactly on, just before and just after a 4 MiB batch or a 4 KiB block are stored whole",
        arguments: [4 << 20, (4 << 20) - 1, (4 << 20) + 1, 8 << 20, (8 << 20) + 1, 4096 * 300, 4096 * 300 + 1, 4096 * 300 - 1]
    )
    func batchBoundaries(storedSize: Int) async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let size = try #require(Self.plaintextSize(forStoredSize: storedSize, headerSize: try Self.headerSize()))
        let plaintext = Self.pattern(size, seed: UInt64(storedSize))
        let blob = try await Self.write(plaintext, to: store, pieces: [333_333])
        #expect(blob.storedSize == Int64(storedSize))
        let onDisk = try Self.bytes(store.objectPath(for: try #require(ContentID(blob.cid))))
        #expect(onDisk.count == storedSize)
        #expect(UnixFSFileBuilder.contentID(of: onDisk).string == blob.cid)
        #expect(try await store.get(blob.cid, owner: Self.owner) == plaintext)
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
    }

    // MARK: Ranges

    @Test("ranged reads return exactly the requested bytes: ends, 64 KiB segments, 4 MiB batches, clamping")
    func rangedReads() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Self.tenMillion
        let size = Int64(plaintext.count)
        let blob = try await Self.write(plaintext, to: store, pieces: [999_999])
        let headerSize = Int64(try Self.headerSize())

        /// The plaintext offset stored at or just after stored offset `stored`.
        func plaintextOffset(atStored stored: Int64) -> Int64 {
            let index = (stored - headerSize) / 65552
            let within = (stored - headerSize) - index * 65552
            return index * 65536 + min(within, 65536)
        }
        var ranges: [Range<Int64>] = [
            0..<1, size - 1..<size, 0..<size, 65535..<65537, 65536..<65537, 131_071..<131_073, 1_000_000..<1_000_001,
            // Across the 16-segment (1 MiB of plaintext) read chunks of the reader.
            (1 << 20) - 5..<(1 << 20) + 5, (2 << 20) - 70_000..<(2 << 20) + 70_000,
            // A range over several batches.
            3_000_000..<9_000_000,
        ]
        for batch in [Int64(4 << 20), Int64(8 << 20)] {
            let offset = plaintextOffset(atStored: batch)
            ranges += [offset - 1..<offset + 1, offset - 10..<offset + 10, offset - 70_000..<offset + 70_000]
        }
        let reader = try await store.open(blob.cid, owner: Self.owner)
        defer { reader.close() }
        for range in ranges {
            let pieces = try await Self.read(reader, range)
            #expect(Array(pieces.joined()) == Array(plaintext[Int(range.lowerBound)..<Int(range.upperBound)]), "\(range)")
            #expect(pieces.allSatisfy { !$0.isEmpty && $0.count <= 65536 }, "\(range)")
        }
        #expect(Array(try await Self.read(reader, size - 3..<size + 1000).joined()) == Array(plaintext.suffix(3)))
        #expect(Array(try await Self.read(reader, -100..<2).joined()) == Array(plaintext.prefix(2)))
        for empty: Range<Int64> in [0..<0, 77..<77, size..<size, size..<size + 10, size + 1..<size + 2, -5..<(-1)] {
            #expect(try await Self.read(reader, empty).isEmpty, "\(empty)")
        }
    }

    // MARK: Integrity

    @Test("a flipped byte anywhere in the file is an integrity error on open, check and get")
    func flippedBytes() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Self.pattern(600_000, seed: 6)
        let blob = try await Self.write(plaintext, to: store, pieces: [100_000])
        let path = store.objectPath(for: try #require(ContentID(blob.cid)))
        let headerSize = Int64(try Self.headerSize())
        let offsets: [Int64] = [
            0, 4, 5, 46, 50, 100, 114, 116, headerSize - 1, headerSize, headerSize + 65535, headerSize + 65540,
            262_143, 262_144, 300_000, blob.storedSize - 17, blob.storedSize - 1,
        ]
        for offset in offsets {
            try Self.flip(path, at: offset)
            await Self.expectIntegrity("open, byte \(offset)") { try await store.open(blob.cid, owner: Self.owner) }
            await Self.expectIntegrity("get, byte \(offset)") { try await store.get(blob.cid, owner: Self.owner) }
            await Self.expectIntegrity("check, byte \(offset)") { try await store.check(blob.cid) }
            try Self.flip(path, at: offset)
        }
        #expect(try await store.get(blob.cid, owner: Self.owner) == plaintext)
    }

    @Test("a segment altered after the object was opened fails when read; only authentic bytes come before")
    func alteredAfterOpen() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Self.pattern(40 * 65536, seed: 7)
        let blob = try await Self.write(plaintext, to: store)
        let path = store.objectPath(for: try #require(ContentID(blob.cid)))
        let reader = try await store.open(blob.cid, owner: Self.owner)
        defer { reader.close() }
        // Segment 20 lies in the reader's second 16-segment chunk.
        try Self.flip(path, at: Int64(try Self.headerSize()) + 20 * 65552 + 100)
        var received: [UInt8] = []
        do {
            try await reader.read(0..<reader.size) { received += $0 }
            Issue.record("an altered segment was decrypted")
        } catch {
            #expect(Self.isIntegrity(error), "\(error)")
        }
        #expect(received.count == 20 * 65536)
        #expect(received == Array(plaintext.prefix(received.count)))
        // The segments around it still read.
        #expect(Array(try await Self.read(reader, 0..<10).joined()) == Array(plaintext.prefix(10)))
        await Self.expectIntegrity { try await Self.read(reader, 20 * 65536 + 5..<20 * 65536 + 6) }
    }

    @Test("a file truncated or extended in any way is an integrity error")
    func truncatedOrExtended() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintext = Self.pattern(300_000, seed: 8)
        let blob = try await Self.write(plaintext, to: store)
        let url = URL(fileURLWithPath: store.objectPath(for: try #require(ContentID(blob.cid))))
        let original = try Data(contentsOf: url)
        let headerSize = try Self.headerSize()
        let lastSegment = (300_000 - 4 * 65536) + 16
        let variants: [(String, Data)] = [
            ("one byte short", original.dropLast()),
            ("last tag cut", original.dropLast(16)),
            ("last segment dropped", original.dropLast(lastSegment)),
            ("two segments dropped", original.dropLast(lastSegment + 65552)),
            ("inside the first segment", original.prefix(headerSize + 1000)),
            ("header only", original.prefix(headerSize)),
            ("inside the header", original.prefix(50)),
            ("empty", Data()),
            ("one byte more", original + [0]),
            ("a segment more", original + original[headerSize..<(headerSize + 65552)]),
            ("a tag more", original + original.suffix(16)),
        ]
        for (name, damaged) in variants {
            try damaged.write(to: url)
            await Self.expectIntegrity("open: \(name)") { try await store.open(blob.cid, owner: Self.owner) }
            await Self.expectIntegrity("check: \(name)") { try await store.check(blob.cid) }
        }
        try original.write(to: url)
        #expect(try await store.get(blob.cid, owner: Self.owner) == plaintext)
    }

    @Test("another object of the same owner copied over an object's path is an integrity error")
    func replacedByAnotherObject() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let a = try await Self.write(Self.pattern(100_000, seed: 1), to: store)
        let b = try await Self.write(Self.pattern(100_000, seed: 2), to: store)
        let pathA = store.objectPath(for: try #require(ContentID(a.cid)))
        let pathB = store.objectPath(for: try #require(ContentID(b.cid)))
        try FileManager.default.removeItem(atPath: pathB)
        try FileManager.default.copyItem(atPath: pathA, toPath: pathB)
        await Self.expectIntegrity("open") { try await store.open(b.cid, owner: Self.owner) }
        await Self.expectIntegrity("check") { try await store.check(b.cid) }
        #expect(try await store.get(a.cid, owner: Self.owner) == Self.pattern(100_000, seed: 1))
    }

    @Test("an open reader keeps reading the verified file when its path is replaced")
    func readerHoldsVerifiedFile() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let plaintextA = Self.pattern(200_000, seed: 11)
        let a = try await Self.write(plaintextA, to: store)
        let b = try await Self.write(Self.pattern(200_000, seed: 12), to: store)
        let pathA = store.objectPath(for: try #require(ContentID(a.cid)))
        let pathB = store.objectPath(for: try #require(ContentID(b.cid)))
        let reader = try await store.open(a.cid, owner: Self.owner)
        defer { reader.close() }
        let swap = dir.path + "/swap"
        try FileManager.default.copyItem(atPath: pathB, toPath: swap)
        #expect(rename(swap, pathA) == 0)
        #expect(Array(try await Self.read(reader, 0..<reader.size).joined()) == plaintextA)
        await Self.expectIntegrity { try await store.open(a.cid, owner: Self.owner) }
    }

    @Test("another patient's object is an integrity error and does not mint a key for them")
    func wrongOwner() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let cid = try await store.put(Array("x".utf8), owner: Self.owner)
        await Self.expectIntegrity { try await store.open(cid, owner: Self.stranger) }
        #expect(!FileManager.default.fileExists(atPath: store.keyPath(for: Self.stranger)), "a read must not mint a key")
        _ = try await store.put(Array("y".utf8), owner: Self.other)
        await Self.expectIntegrity { try await store.get(cid, owner: Self.other) }
    }

    @Test("missing objects are notFound; text that is not a CID is invalidCID everywhere")
    func missingAndInvalid() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let missing = ContentID(rawBlock: Array("never stored".utf8)).string
        #expect(try await store.contains(missing) == false)
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.open(missing, owner: Self.owner) }
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.check(missing) }
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.get(missing, owner: Self.owner) }

        // An object whose file disappears is notFound too.
        let cid = try await store.put(Array("z".utf8), owner: Self.owner)
        try FileManager.default.removeItem(atPath: store.objectPath(for: try #require(ContentID(cid))))
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.open(cid, owner: Self.owner) }
        #expect(try await store.contains(cid) == false)

        for bad in ["", "not-a-cid", "b../../master.key", "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH", missing.uppercased(), missing + "/"] {
            await #expect(throws: BlobStoreError.invalidCID) { _ = try await store.open(bad, owner: Self.owner) }
            await #expect(throws: BlobStoreError.invalidCID) { _ = try await store.check(bad) }
            await #expect(throws: BlobStoreError.invalidCID) { _ = try await store.contains(bad) }
            await #expect(throws: BlobStoreError.invalidCID) { _ = try await store.remove(bad) }
        }
    }

    // MARK: Writers that do not commit

    @Test("abort leaves no object and no temporary file, and the writer takes nothing more")
    func abort() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let writer = try await store.makeWriter(owner: Self.owner, metadata: Self.octets)
        for start in stride(from: 0, to: 9_000_000, by: 1_000_000) {
            try await writer.write(Array(Self.tenMillion[start..<(start + 1_000_000)]))
        }
        #expect(Self.entries(dir.path + "/blobs/tmp").count == 1, "the upload is written as it comes")
        await writer.abort()
        await writer.abort()
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(Self.objectFiles(dir).isEmpty)
        #expect(try await store.inventory().isEmpty)
        await #expect(throws: BlobStoreError.self) { _ = try await writer.write([1]) }
        await #expect(throws: BlobStoreError.self) { _ = try await writer.commit() }
        #expect(Self.objectFiles(dir).isEmpty)
    }

    @Test("a writer dropped without commit leaves nothing under any CID")
    func droppedWriter() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        func writeAndDrop() async throws {
            let writer = try await store.makeWriter(owner: Self.owner, metadata: Self.octets)
            try await writer.write(Array(Self.tenMillion.prefix(6_000_000)))
        }
        try await writeAndDrop()
        #expect(Self.objectFiles(dir).isEmpty)
        #expect(try await store.inventory().isEmpty)
        #expect(Self.entries(dir.path + "/blobs").filter { $0 != "tmp" }.allSatisfy { Self.entries(dir.path + "/blobs/" + $0).isEmpty })
        // Whatever is left is a temporary file in blobs/tmp, removed at start-up once stale.
        #expect(Self.entries(dir.path + "/blobs/tmp").allSatisfy { $0.hasSuffix(".part") })
        // The store keeps working.
        let cid = try await store.put(Array("after".utf8), owner: Self.owner)
        #expect(try await store.get(cid, owner: Self.owner) == Array("after".utf8))
    }

    @Test("an oversize write throws tooLarge and leaves nothing; the limit itself is accepted")
    func oversize() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url, maxObjectSize: 5_000_000)
        #expect(store.maxObjectSize == 5_000_000)
        let writer = try await store.makeWriter(owner: Self.owner, metadata: Self.octets)
        try await writer.write(Array(Self.tenMillion.prefix(4_999_000)))
        await #expect(throws: BlobStoreError.tooLarge(limit: 5_000_000)) {
            _ = try await writer.write(Array(Self.tenMillion[4_999_000..<5_000_001]))
        }
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(Self.objectFiles(dir).isEmpty)
        await #expect(throws: BlobStoreError.self) { _ = try await writer.commit() }
        #expect(Self.objectFiles(dir).isEmpty)

        await #expect(throws: BlobStoreError.tooLarge(limit: 5_000_000)) {
            _ = try await store.put(Array(Self.tenMillion.prefix(5_000_001)), owner: Self.owner)
        }
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(Self.objectFiles(dir).isEmpty)

        let largest = Array(Self.tenMillion.prefix(5_000_000))
        let cid = try await store.put(largest, owner: Self.owner)
        #expect(try await store.get(cid, owner: Self.owner) == largest)
    }

    @Test("a commit whose object cannot be published throws and leaves no object and no temporary file")
    func publishFails() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        // Every possible shard name taken by a regular file: no object can be moved into place.
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        for first in alphabet {
            for second in alphabet {
                try FileManager.default.removeItem(atPath: dir.path + "/blobs/\(first)\(second)")
                _ = FileManager.default.createFile(atPath: dir.path + "/blobs/\(first)\(second)", contents: Data())
            }
        }
        let writer = try await store.makeWriter(owner: Self.owner, metadata: Self.octets)
        try await writer.write(Array(Self.tenMillion.prefix(5_000_000)))
        await #expect(throws: FileBlobStoreError.self) { _ = try await writer.commit() }
        await writer.abort()
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(try await store.inventory().isEmpty)

        // Once the shards are free again the store works as before.
        for first in alphabet {
            for second in alphabet {
                try FileManager.default.removeItem(atPath: dir.path + "/blobs/\(first)\(second)")
            }
        }
        let cid = try await store.put(Array("after".utf8), owner: Self.owner)
        #expect(try await store.get(cid, owner: Self.owner) == Array("after".utf8))
    }

    @Test("temporary files older than an hour are removed at start-up; recent ones are left alone")
    func staleTemporaries() throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let stale = store.temporaryPath + "/stale.part"
        let recent = store.temporaryPath + "/recent.part"
        #expect(FileManager.default.createFile(atPath: stale, contents: Data([1, 2, 3])))
        #expect(FileManager.default.createFile(atPath: recent, contents: Data([4, 5, 6])))
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-2 * 3600)], ofItemAtPath: stale)
        _ = try FileBlobStore(directory: dir.url)
        #expect(Self.entries(store.temporaryPath) == ["recent.part"])
    }

    // MARK: Keys

    @Test("patient keys persist under the same master key; another master key cannot open or replace them")
    func keysPersist() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let first = try FileBlobStore(directory: dir.url)
        let plaintext = Self.pattern(150_000, seed: 5)
        let cid = try await first.put(plaintext, owner: Self.owner)
        let keyFile = try Data(contentsOf: URL(fileURLWithPath: first.keyPath(for: Self.owner)))
        #expect(keyFile.count == 32 + SealedObject.overhead)
        #expect(try Self.mode(first.keyPath(for: Self.owner)) == 0o600)

        // Same directory, master.key read back from disk.
        let second = try FileBlobStore(directory: dir.url)
        #expect(try await second.get(cid, owner: Self.owner) == plaintext)

        // Same master key supplied explicitly.
        let masterBytes = try Data(contentsOf: dir.url.appendingPathComponent("master.key"))
        #expect(masterBytes.count == 32)
        let supplied = try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(data: masterBytes))
        #expect(try await supplied.get(cid, owner: Self.owner) == plaintext)

        // Another master key: the key file does not open, and a writer does not replace it.
        let foreign = try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(size: .bits256))
        await Self.expectIntegrity("open") { try await foreign.open(cid, owner: Self.owner) }
        await Self.expectIntegrity("makeWriter") { try await foreign.makeWriter(owner: Self.owner, metadata: Self.octets) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: first.keyPath(for: Self.owner))) == keyFile)
        // It can still check the object: checking needs no key.
        #expect(try await foreign.check(cid).owner == Self.owner)
        #expect(try await second.get(cid, owner: Self.owner) == plaintext)

        // A key file copied to another patient's name does not open for them (its AAD is the address).
        try keyFile.write(to: URL(fileURLWithPath: first.keyPath(for: Self.other)))
        let third = try FileBlobStore(directory: dir.url)
        await Self.expectIntegrity("moved key") { try await third.makeWriter(owner: Self.other, metadata: Self.octets) }
    }

    @Test("a supplied master key leaves no master.key on disk; a malformed one is refused")
    func suppliedMasterKey() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let key = SymmetricKey(size: .bits256)
        let store = try FileBlobStore(directory: dir.url, masterKey: key)
        let cid = try await store.put(Array("s".utf8), owner: Self.owner)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/master.key"))
        #expect(try await FileBlobStore(directory: dir.url, masterKey: key).get(cid, owner: Self.owner) == Array("s".utf8))
        #expect(throws: FileBlobStoreError.self) { _ = try FileBlobStore(directory: dir.url, masterKey: SymmetricKey(size: .bits128)) }
        try Data([1, 2, 3]).write(to: dir.url.appendingPathComponent("master.key"))
        #expect(throws: FileBlobStoreError.self) { _ = try FileBlobStore(directory: dir.url) }
    }

    @Test("destroying a key erases the patient's objects for every store instance and refuses new writers")
    func destroyKey() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let first = try await store.put(Array("first".utf8), owner: Self.owner)
        let second = try await Self.write(Self.pattern(300_000), to: store).cid
        let others = try await store.put(Array("other".utf8), owner: Self.other)
        let keyPath = store.keyPath(for: Self.owner)
        #expect(FileManager.default.fileExists(atPath: keyPath))

        try await store.destroyKey(of: Self.owner)
        #expect(!FileManager.default.fileExists(atPath: keyPath))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/keys/\(Self.owner).erased"))
        #expect(Set(Self.entries(dir.path + "/keys")) == ["\(Self.other).key", "\(Self.owner).erased"])

        let reopened = try FileBlobStore(directory: dir.url)
        for instance in [store, reopened] {
            for cid in [first, second] {
                await #expect(throws: BlobStoreError.erased) { _ = try await instance.open(cid, owner: Self.owner) }
                await #expect(throws: BlobStoreError.erased) { _ = try await instance.get(cid, owner: Self.owner) }
                // The ciphertext itself is still there and well formed until it is removed.
                #expect(try await instance.check(cid).owner == Self.owner)
            }
            await #expect(throws: BlobStoreError.erased) { _ = try await instance.makeWriter(owner: Self.owner, metadata: Self.octets) }
            await #expect(throws: BlobStoreError.erased) { _ = try await instance.put(Array("again".utf8), owner: Self.owner) }
            #expect(try await instance.get(others, owner: Self.other) == Array("other".utf8))
        }
        #expect(!FileManager.default.fileExists(atPath: keyPath), "no key is made again for an erased patient")

        // Erasure is idempotent.
        try await store.destroyKey(of: Self.owner)
        await #expect(throws: BlobStoreError.erased) { _ = try await store.open(first, owner: Self.owner) }
        // A patient who never stored anything can be erased too.
        try await store.destroyKey(of: Self.stranger)
        await #expect(throws: BlobStoreError.erased) { _ = try await store.makeWriter(owner: Self.stranger, metadata: Self.octets) }
    }

    @Test("concurrent writers for the same new owner, in several store instances, end up with one key file")
    func concurrentFirstUse() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let masterKey = SymmetricKey(size: .bits256)
        let stores = try (0..<4).map { _ in try FileBlobStore(directory: dir.url, masterKey: masterKey) }
        let cids = try await withThrowingTaskGroup(of: (String, [UInt8]).self) { group in
            for index in 0..<24 {
                let store = stores[index % stores.count]
                group.addTask {
                    let plaintext = Array("note \(index)".utf8) + Self.pattern(index * 10_000, seed: UInt64(index))
                    return (try await store.put(plaintext, owner: Self.owner), plaintext)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Self.entries(dir.path + "/keys") == ["\(Self.owner).key"])
        #expect(Self.entries(dir.path + "/blobs/tmp").isEmpty)
        #expect(Set(cids.map(\.0)).count == 24)
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
        #expect(try Self.mode(path) == 0o600)
    }

    // MARK: Inventory and removal

    @Test("inventory lists each object once with its owner and size, skipping temporaries and foreign files")
    func inventory() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let a = try await Self.write(Array("a".utf8), to: store)
        let b = try await Self.write(Self.pattern(400_000), to: store)
        let c = try await Self.write(Array("c".utf8), to: store, owner: Self.other)
        // Things that are not objects: a temporary upload, a stray file, a file under a CID whose
        // shard is wrong.
        _ = FileManager.default.createFile(atPath: store.temporaryPath + "/x.part", contents: Data([1]))
        let shard = dir.path + "/blobs/\(a.cid.suffix(2))"
        _ = FileManager.default.createFile(atPath: shard + "/notes.txt", contents: Data([1]))
        let misplaced = ContentID(rawBlock: Array("misplaced".utf8)).string
        let wrongShard = misplaced.suffix(2) == "aa" ? "ab" : "aa"
        try FileManager.default.createDirectory(atPath: dir.path + "/blobs/\(wrongShard)", withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: dir.path + "/blobs/\(wrongShard)/\(misplaced)", contents: Data([1]))
        // An object file whose header cannot be read is listed with no owner.
        let garbage = ContentID(rawBlock: Array("garbage".utf8))
        try DurableFiles.makeDirectory((store.objectPath(for: garbage) as NSString).deletingLastPathComponent)
        _ = FileManager.default.createFile(atPath: store.objectPath(for: garbage), contents: Data("not an object".utf8))

        let listed = try await store.inventory()
        #expect(listed.count == 4)
        #expect(Set(listed.map(\.cid)) == [a.cid, b.cid, c.cid, garbage.string])
        let byCID = Dictionary(uniqueKeysWithValues: listed.map { ($0.cid, $0) })
        #expect(byCID[a.cid]?.owner == Self.owner)
        #expect(byCID[b.cid]?.owner == Self.owner)
        #expect(byCID[c.cid]?.owner == Self.other)
        #expect(byCID[garbage.string].map { $0.owner == nil } == true)
        for blob in [a, b, c] {
            let object = try #require(byCID[blob.cid])
            #expect(object.storedSize == blob.storedSize)
            #expect(object.storedAt > 0)
            #expect(try await store.check(blob.cid) == object)
        }
        await Self.expectIntegrity { try await store.check(garbage.string) }
    }

    @Test("remove deletes the object's file; removing it again is not an error")
    func remove() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let kept = try await store.put(Array("kept".utf8), owner: Self.owner)
        let gone = try await Self.write(Self.pattern(300_000), to: store)
        try await store.remove(gone.cid)
        #expect(!FileManager.default.fileExists(atPath: store.objectPath(for: try #require(ContentID(gone.cid)))))
        #expect(try await store.contains(gone.cid) == false)
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.open(gone.cid, owner: Self.owner) }
        await #expect(throws: BlobStoreError.notFound) { _ = try await store.check(gone.cid) }
        #expect(try await store.inventory().map(\.cid) == [kept])
        try await store.remove(gone.cid)
        #expect(try await store.get(kept, owner: Self.owner) == Array("kept".utf8))
    }

    @Test("DataDirectory opens the blob store in the data directory")
    func dataDirectory() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let data = DataDirectory(path: dir.path)
        try data.create()
        let cid = try await data.openBlobStore().put(Array("profile".utf8), owner: Self.owner)
        #expect(try await data.openBlobStore().get(cid, owner: Self.owner) == Array("profile".utf8))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/master.key"))
        #expect(FileManager.default.fileExists(atPath: dir.path + "/blobs/\(cid.suffix(2))/\(cid)"))
        #expect(try data.openBlobStore(maxObjectSize: 123).maxObjectSize == 123)
    }

    @Test("a file opened once is still checked again when it is replaced or rewritten afterwards")
    func reopenedAfterChange() async throws {
        let dir = TempDirectory()
        defer { dir.cleanUp() }
        let store = try FileBlobStore(directory: dir.url)
        let first = Array(repeating: UInt8(ascii: "a"), count: 300_000)
        let second = Array(repeating: UInt8(ascii: "b"), count: 300_000)
        let a = try await store.put(first, owner: Self.owner)
        let b = try await store.put(second, owner: Self.owner)
        // Opened (and so fully checked) once, then opened again unchanged: same plaintext.
        #expect(try await store.get(a, owner: Self.owner) == first)
        #expect(try await store.get(a, owner: Self.owner) == first)
        // Another object of the same patient renamed over it: refused, never b's plaintext.
        let pathA = store.objectPath(for: ContentID(a)!)
        let copy = dir.path + "/copy-of-b"
        try FileManager.default.copyItem(atPath: store.objectPath(for: ContentID(b)!), toPath: copy)
        #expect(rename(copy, pathA) == 0)
        await #expect(throws: BlobStoreError.self) { _ = try await store.get(a, owner: Self.owner) }
        // b's own file rewritten in place after an open: refused too.
        #expect(try await store.get(b, owner: Self.owner) == second)
        let pathB = store.objectPath(for: ContentID(b)!)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: pathB)))
        bytes[bytes.count / 2] ^= 1
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: pathB))
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
        await #expect(throws: BlobStoreError.self) { _ = try await store.get(b, owner: Self.owner) }
    }

}
