import Crypto
import Foundation
import Testing

@testable import MedLedgerCore
import MedLedgerTestSupport

@Suite("In-memory blob store")
struct InMemoryBlobStoreTests {
    static let owner = AccountAddress("ml" + String(repeating: "ab", count: 20))!
    static let other = AccountAddress("ml" + String(repeating: "cd", count: 20))!
    static let stranger = AccountAddress("ml" + String(repeating: "ef", count: 20))!
    static let fixedTime: Int64 = 1_795_000_000_000

    static func store(maxObjectSize: Int64 = 200_000_000) -> InMemoryBlobStore {
        InMemoryBlobStore(maxObjectSize: maxObjectSize, clock: { fixedTime })
    }

    /// Deterministic, non-repeating bytes.
    static func pattern(_ count: Int, seed: UInt64 = 3) -> [UInt8] {
        TestBytes.pattern(count, seed: seed)
    }

    /// Writes `plaintext` through a writer in pieces of `piece` bytes.
    static func write(
        _ plaintext: [UInt8], to store: InMemoryBlobStore, owner: AccountAddress = owner,
        metadata: BlobMetadata = BlobMetadata(mediaType: "application/octet-stream"), piece: Int = 100_000
    ) async throws -> StoredBlob {
        let writer = try store.makeWriter(owner: owner, metadata: metadata)
        var offset = 0
        while offset < plaintext.count {
            let end = min(plaintext.count, offset + piece)
            try await writer.write(Array(plaintext[offset..<end]))
            offset = end
        }
        return try await writer.commit()
    }

    /// Reads `range` from an open reader, keeping the pieces handed over.
    static func read(_ reader: any BlobReader, _ range: Range<Int64>) async throws -> [[UInt8]] {
        var pieces: [[UInt8]] = []
        try await reader.read(range) { pieces.append($0) }
        return pieces
    }

    static func isIntegrity(_ error: any Error) -> Bool {
        if case .integrity = error as? BlobStoreError { return true }
        return false
    }

    /// Expects `body` to throw ``BlobStoreError/integrity(_:)``.
    static func expectIntegrity<R>(
        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> R
    ) async {
        do {
            _ = try await body()
            Issue.record("expected an integrity error, got a result", sourceLocation: sourceLocation)
        } catch {
            #expect(isIntegrity(error), "\(error) \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
        }
    }

    // MARK: Round trip and CIDs

    @Test("put then get gives back the plaintext, which is nowhere in the stored bytes")
    func roundTrip() async throws {
        let store = Self.store()
        let plaintext = Array("{\"allergies\":[\"penicillin\"],\"bloodType\":\"O-\"}".utf8)
        let cid = try await store.put(plaintext, owner: Self.owner)
        #expect(try store.contains(cid))
        #expect(try await store.get(cid, owner: Self.owner) == plaintext)

        let stored = try #require(store.storedBytes(cid))
        #expect(stored.firstRange(of: Array("penicillin".utf8)) == nil)
        let header = try SealedObjectHeader(parsing: stored)
        #expect(header.owner == Self.owner)
        #expect(Int64(stored.count) == StreamSealer.storedSize(plaintextSize: Int64(plaintext.count), headerSize: header.size, segmentSize: 65536))

        let reader = try store.open(cid, owner: Self.owner)
        defer { reader.close() }
        #expect(reader.size == Int64(plaintext.count))
        // put without metadata sniffs the type.
        #expect(reader.metadata == BlobMetadata(mediaType: "application/json"))
    }

    @Test("a writer fed in pieces commits the plaintext size, stored size and metadata it was given")
    func writerRoundTrip() async throws {
        let store = Self.store()
        let plaintext = Self.pattern(200_001)
        let metadata = BlobMetadata(mediaType: "application/pdf", fileName: "../scans/Befund März.pdf")
        let blob = try await Self.write(plaintext, to: store, metadata: metadata, piece: 7_777)
        #expect(blob.size == 200_001)
        let stored = try #require(store.storedBytes(blob.cid))
        #expect(blob.storedSize == Int64(stored.count))
        let reader = try store.open(blob.cid, owner: Self.owner)
        #expect(reader.metadata.fileName == "Befund März.pdf")
        #expect(reader.metadata.mediaType == "application/pdf")
        #expect(try await Self.read(reader, 0..<reader.size).joined().elementsEqual(plaintext))
        #expect(try await store.get(blob.cid, owner: Self.owner) == plaintext)
        // Every object has its own key: the same plaintext again is another object.
        let again = try await Self.write(plaintext, to: store, metadata: metadata)
        #expect(again.cid != blob.cid)
    }

    @Test("the CID is the UnixFS CID of the stored bytes: raw up to 256 KiB stored, dag-pb above")
    func contentIDs() async throws {
        let store = Self.store()
        let metadata = BlobMetadata(mediaType: "application/octet-stream")
        let headerSize = try StreamSealer(owner: Self.owner, patientKey: SymmetricKey(size: .bits256), metadata: metadata).header.size

        let small = try await Self.write(Array("short note".utf8), to: store, metadata: metadata)
        let smallBytes = try #require(store.storedBytes(small.cid))
        #expect(small.cid == UnixFSFileBuilder.contentID(of: smallBytes).string)
        #expect(ContentID(small.cid)?.codec == .raw)
        #expect(ContentID(small.cid) == ContentID(rawBlock: smallBytes))

        // Exactly one chunk of stored bytes (4 segments of 64 KiB) stays a raw block; one byte
        // more makes a two-leaf dag-pb file.
        let fitting = ContentID.maxRawBlockSize - headerSize - 4 * SealedObjectHeader.tagSize
        let exact = try await Self.write(Self.pattern(fitting), to: store, metadata: metadata)
        #expect(exact.storedSize == Int64(ContentID.maxRawBlockSize))
        #expect(ContentID(exact.cid)?.codec == .raw)
        let exactBytes = try #require(store.storedBytes(exact.cid))
        #expect(exact.cid == UnixFSFileBuilder.contentID(of: exactBytes).string)

        let over = try await Self.write(Self.pattern(fitting + 1), to: store, metadata: metadata)
        #expect(over.storedSize == Int64(ContentID.maxRawBlockSize + 1))
        let overBytes = try #require(store.storedBytes(over.cid))
        #expect(ContentID(over.cid)?.codec == .dagPB)
        #expect(over.cid == UnixFSFileBuilder.contentID(of: overBytes).string)
        #expect(ContentID(over.cid) != ContentID(rawBlock: overBytes))

        let large = try await Self.write(Self.pattern(3_000_000), to: store, metadata: metadata, piece: 65_537)
        #expect(ContentID(large.cid)?.codec == .dagPB)
        let largeBytes = try #require(store.storedBytes(large.cid))
        #expect(large.cid == UnixFSFileBuilder.contentID(of: largeBytes).string)
        #expect(try await store.get(large.cid, owner: Self.owner) == Self.pattern(3_000_000))
    }

    // MARK: Failures

    @Test("another patient's object is an integrity error, whether or not they have a key")
    func ownerMismatch() async throws {
        let store = Self.store()
        let cid = try await store.put(Array("x".utf8), owner: Self.owner)
        _ = try await store.put(Array("y".utf8), owner: Self.other)
        await Self.expectIntegrity("other") { try await store.get(cid, owner: Self.other) }
        await Self.expectIntegrity("stranger") { try await store.get(cid, owner: Self.stranger) }
        #expect(try await store.get(cid, owner: Self.owner) == Array("x".utf8))
    }

    @Test("altered, truncated, extended or substituted bytes are integrity errors on open and check")
    func tampering() async throws {
        let store = Self.store()
        let plaintext = Self.pattern(150_000)
        let cid = try await store.put(plaintext, owner: Self.owner)
        let otherCID = try await store.put(Self.pattern(150_000, seed: 4), owner: Self.owner)
        let original = try #require(store.storedBytes(cid))
        let substitute = try #require(store.storedBytes(otherCID))

        var variants: [(String, [UInt8])] = []
        for offset in [0, 5, 50, 100, 120, original.count / 2, original.count - 1] {
            var flipped = original
            flipped[offset] ^= 0x01
            variants.append(("flipped byte at \(offset)", flipped))
        }
        variants += [
            ("truncated by one byte", Array(original.dropLast())),
            ("truncated to a segment boundary", Array(original.prefix(original.count - (150_000 - 2 * 65536) - 16))),
            ("empty", []),
            ("extended", original + [0]),
            ("another object of the same owner", substitute),
        ]
        for (name, bytes) in variants {
            store.overwrite(cid, with: bytes)
            await Self.expectIntegrity("open: \(name)") { try store.open(cid, owner: Self.owner) }
            await Self.expectIntegrity("get: \(name)") { try await store.get(cid, owner: Self.owner) }
            await Self.expectIntegrity("check: \(name)") { try store.check(cid) }
        }
        store.overwrite(cid, with: original)
        #expect(try await store.get(cid, owner: Self.owner) == plaintext)
    }

    @Test("missing objects are notFound and text that is not a CID is invalidCID")
    func missingAndInvalid() async throws {
        let store = Self.store()
        let missing = ContentID(rawBlock: Array("never stored".utf8)).string
        #expect(try store.contains(missing) == false)
        #expect(throws: BlobStoreError.notFound) { _ = try store.open(missing, owner: Self.owner) }
        #expect(throws: BlobStoreError.notFound) { _ = try store.check(missing) }
        for bad in ["", "nope", missing.uppercased(), "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"] {
            #expect(throws: BlobStoreError.invalidCID) { _ = try store.open(bad, owner: Self.owner) }
            #expect(throws: BlobStoreError.invalidCID) { _ = try store.check(bad) }
            #expect(throws: BlobStoreError.invalidCID) { _ = try store.contains(bad) }
        }
    }

    @Test("destroying a patient's key erases their objects and refuses new writes; others are untouched")
    func destroyKey() async throws {
        let store = Self.store()
        let first = try await store.put(Array("first".utf8), owner: Self.owner)
        let second = try await Self.write(Self.pattern(100_000), to: store).cid
        let others = try await store.put(Array("other".utf8), owner: Self.other)

        store.destroyKey(of: Self.owner)
        for cid in [first, second] {
            #expect(throws: BlobStoreError.erased) { _ = try store.open(cid, owner: Self.owner) }
            await #expect(throws: BlobStoreError.erased) { _ = try await store.get(cid, owner: Self.owner) }
        }
        #expect(throws: BlobStoreError.erased) { _ = try store.makeWriter(owner: Self.owner, metadata: BlobMetadata(mediaType: "text/plain")) }
        await #expect(throws: BlobStoreError.erased) { _ = try await store.put(Array("again".utf8), owner: Self.owner) }
        #expect(try await store.get(others, owner: Self.other) == Array("other".utf8))
        _ = try await store.put(Array("more".utf8), owner: Self.other)
        // Destroying twice is harmless.
        store.destroyKey(of: Self.owner)
        #expect(throws: BlobStoreError.erased) { _ = try store.open(first, owner: Self.owner) }
    }

    @Test("the size limit is enforced across writes, and an oversize writer stores nothing")
    func sizeLimit() async throws {
        let store = Self.store(maxObjectSize: 10_000)
        #expect(store.maxObjectSize == 10_000)
        let largest = Self.pattern(10_000)
        let cid = try await store.put(largest, owner: Self.owner)
        #expect(try await store.get(cid, owner: Self.owner) == largest)
        await #expect(throws: BlobStoreError.tooLarge(limit: 10_000)) { _ = try await store.put(Self.pattern(10_001), owner: Self.owner) }

        let writer = try store.makeWriter(owner: Self.owner, metadata: BlobMetadata(mediaType: "text/plain"))
        try await writer.write(Self.pattern(6_000))
        await #expect(throws: BlobStoreError.tooLarge(limit: 10_000)) { _ = try await writer.write(Self.pattern(4_001)) }
        await #expect(throws: BlobStoreError.self) { _ = try await writer.commit() }
        #expect(store.inventory().map(\.cid) == [cid])

        // get refuses objects above its own limit.
        await #expect(throws: BlobStoreError.tooLarge(limit: 9_999)) { _ = try await store.get(cid, owner: Self.owner, limit: 9_999) }
    }

    @Test("an aborted or committed writer takes nothing more")
    func writerLifecycle() async throws {
        let store = Self.store()
        let aborted = try store.makeWriter(owner: Self.owner, metadata: BlobMetadata(mediaType: "text/plain"))
        try await aborted.write(Self.pattern(70_000))
        await aborted.abort()
        await #expect(throws: BlobStoreError.self) { _ = try await aborted.write([1]) }
        await #expect(throws: BlobStoreError.self) { _ = try await aborted.commit() }
        #expect(store.inventory().isEmpty)

        let committed = try store.makeWriter(owner: Self.owner, metadata: BlobMetadata(mediaType: "text/plain"))
        try await committed.write([1, 2, 3])
        let blob = try await committed.commit()
        await #expect(throws: BlobStoreError.self) { _ = try await committed.write([4]) }
        await #expect(throws: BlobStoreError.self) { _ = try await committed.commit() }
        #expect(store.inventory().map(\.cid) == [blob.cid])
        #expect(try await store.get(blob.cid, owner: Self.owner) == [1, 2, 3])
    }

    // MARK: Ranges

    @Test("ranged reads return exactly the requested bytes, across segment boundaries, in bounded pieces")
    func rangedReads() async throws {
        let store = Self.store()
        let plaintext = Self.pattern(3 * 65536 + 5)
        let size = Int64(plaintext.count)
        let cid = try await store.put(plaintext, owner: Self.owner)
        let reader = try store.open(cid, owner: Self.owner)
        defer { reader.close() }
        #expect(reader.size == size)

        let ranges: [Range<Int64>] = [
            0..<1, size - 1..<size, 0..<size, 65535..<65537, 65536..<131072, 65530..<131080, 1000..<196_000,
            131_071..<196_609, 196_608..<size, 12_345..<12_346,
        ]
        for range in ranges {
            let pieces = try await Self.read(reader, range)
            #expect(Array(pieces.joined()) == Array(plaintext[Int(range.lowerBound)..<Int(range.upperBound)]), "\(range)")
            #expect(pieces.allSatisfy { $0.count <= 65536 }, "\(range)")
            #expect(pieces.allSatisfy { !$0.isEmpty }, "\(range)")
        }
        // Ranges past either end are clamped; empty ones hand over nothing.
        #expect(Array(try await Self.read(reader, size - 3..<size + 100).joined()) == Array(plaintext.suffix(3)))
        #expect(Array(try await Self.read(reader, -10..<4).joined()) == Array(plaintext.prefix(4)))
        for empty: Range<Int64> in [0..<0, 500..<500, size..<size, size..<size + 10, size + 5..<size + 10, -10..<(-1)] {
            #expect(try await Self.read(reader, empty).isEmpty, "\(empty)")
        }

        let empty = try await store.put([], owner: Self.owner)
        let emptyReader = try store.open(empty, owner: Self.owner)
        #expect(emptyReader.size == 0)
        #expect(try await Self.read(emptyReader, 0..<10).isEmpty)
        #expect(try await store.get(empty, owner: Self.owner) == [])
    }

    // MARK: Inventory

    @Test("inventory lists every object with owner, stored size and time; check agrees; remove deletes")
    func inventoryCheckRemove() async throws {
        let store = Self.store()
        let a = try await Self.write(Array("a".utf8), to: store)
        let b = try await Self.write(Self.pattern(300_000), to: store)
        let c = try await Self.write(Array("c".utf8), to: store, owner: Self.other)

        let expected = [
            StoredObject(cid: a.cid, owner: Self.owner, storedSize: a.storedSize, storedAt: Self.fixedTime),
            StoredObject(cid: b.cid, owner: Self.owner, storedSize: b.storedSize, storedAt: Self.fixedTime),
            StoredObject(cid: c.cid, owner: Self.other, storedSize: c.storedSize, storedAt: Self.fixedTime),
        ].sorted { $0.cid < $1.cid }
        #expect(store.inventory() == expected)
        for object in expected {
            #expect(try store.check(object.cid) == object)
        }

        // An object whose header cannot be read is listed with no owner.
        store.overwrite(b.cid, with: [1, 2, 3])
        #expect(store.inventory().first { $0.cid == b.cid }?.owner == nil)

        store.remove(b.cid)
        #expect(try store.contains(b.cid) == false)
        #expect(throws: BlobStoreError.notFound) { _ = try store.open(b.cid, owner: Self.owner) }
        #expect(throws: BlobStoreError.notFound) { _ = try store.check(b.cid) }
        #expect(store.inventory().map(\.cid) == [a.cid, c.cid].sorted())
        store.remove(b.cid)
        #expect(try await store.get(a.cid, owner: Self.owner) == Array("a".utf8))
    }
}
