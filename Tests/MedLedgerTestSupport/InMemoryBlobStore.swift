import Crypto
import MedLedgerCore
import Foundation
import Synchronization

/// A ``BlobStore`` in memory, for tests and demos.
///
/// It writes the real format (``StreamSealer``), computes the real CIDs (``UnixFSFileBuilder``)
/// and checks them on every open, so code tested against it meets the same failure modes as
/// against the file store. Keys live only as long as the store.
public final class InMemoryBlobStore: BlobStore {
    struct State {
        var objects: [String: (bytes: [UInt8], storedAt: Int64)] = [:]
        var keys: [AccountAddress: SymmetricKey] = [:]
        var destroyed: Set<AccountAddress> = []
    }

    let state = Mutex(State())
    public let maxObjectSize: Int64
    let clock: @Sendable () -> Int64

    /// An empty store with no keys.
    public init(maxObjectSize: Int64 = 200_000_000, clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }) {
        self.maxObjectSize = maxObjectSize
        self.clock = clock
    }

    public func makeWriter(owner: AccountAddress, metadata: BlobMetadata) throws -> any BlobWriter {
        let key = try state.withLock { state -> SymmetricKey in
            guard !state.destroyed.contains(owner) else { throw BlobStoreError.erased }
            if let key = state.keys[owner] { return key }
            let key = SymmetricKey(size: .bits256)
            state.keys[owner] = key
            return key
        }
        return try Writer(store: self, sealer: StreamSealer(owner: owner, patientKey: key, metadata: metadata))
    }

    public func open(_ cid: String, owner: AccountAddress) throws -> any BlobReader {
        let (bytes, key) = try state.withLock { state -> ([UInt8], SymmetricKey?) in
            guard ContentID(cid) != nil else { throw BlobStoreError.invalidCID }
            if state.destroyed.contains(owner) { throw BlobStoreError.erased }
            guard let object = state.objects[cid] else { throw BlobStoreError.notFound }
            return (object.bytes, state.keys[owner])
        }
        guard UnixFSFileBuilder.contentID(of: bytes).string == cid else {
            throw BlobStoreError.integrity("stored bytes do not hash to \(cid)")
        }
        let header = try SealedObjectHeader(parsing: Array(bytes.prefix(SealedObjectHeader.maxSize)))
        guard header.owner == owner, let key else {
            throw BlobStoreError.integrity("the object was not stored for this patient")
        }
        return Reader(cid: cid, bytes: bytes, opener: try StreamOpener(header: header, storedSize: Int64(bytes.count), patientKey: key))
    }

    public func check(_ cid: String) throws -> StoredObject {
        guard ContentID(cid) != nil else { throw BlobStoreError.invalidCID }
        guard let object = state.withLock({ $0.objects[cid] }) else { throw BlobStoreError.notFound }
        guard UnixFSFileBuilder.contentID(of: object.bytes).string == cid else {
            throw BlobStoreError.integrity("stored bytes do not hash to \(cid)")
        }
        let header = try SealedObjectHeader(parsing: Array(object.bytes.prefix(SealedObjectHeader.maxSize)))
        return StoredObject(cid: cid, owner: header.owner, storedSize: Int64(object.bytes.count), storedAt: object.storedAt)
    }

    public func provenance(_ cid: String) throws -> ContentProvenance {
        guard ContentID(cid) != nil else { throw BlobStoreError.invalidCID }
        let (object, keys, destroyed) = state.withLock { ($0.objects[cid], $0.keys, $0.destroyed) }
        guard let object else { throw BlobStoreError.notFound }
        let header = try SealedObjectHeader(parsing: Array(object.bytes.prefix(SealedObjectHeader.maxSize)))
        if destroyed.contains(header.owner) { throw BlobStoreError.erased }
        guard let key = keys[header.owner] else { throw BlobStoreError.integrity("the object's owner has no key") }
        let metadata = try header.openMetadata(dataKey: try header.unwrapKey(with: key))
        return ContentProvenance(owner: header.owner, uploader: metadata.uploader)
    }

    public func contains(_ cid: String) throws -> Bool {
        guard ContentID(cid) != nil else { throw BlobStoreError.invalidCID }
        return state.withLock { $0.objects[cid] != nil }
    }

    public func inventory() -> [StoredObject] {
        state.withLock { state in
            state.objects.map { cid, object in
                let owner = try? SealedObjectHeader(parsing: Array(object.bytes.prefix(SealedObjectHeader.maxSize))).owner
                return StoredObject(
                    cid: cid, owner: owner, storedSize: Int64(object.bytes.count), storedAt: object.storedAt,
                    ownerErased: owner.map(state.destroyed.contains) ?? false
                )
            }.sorted { $0.cid < $1.cid }
        }
    }

    public func remove(_ cid: String) {
        _ = state.withLock { $0.objects.removeValue(forKey: cid) }
    }

    public func destroyKey(of owner: AccountAddress) {
        state.withLock { state in
            state.keys[owner] = nil
            state.destroyed.insert(owner)
        }
    }

    /// The stored ciphertext, for tests that inspect or copy it.
    public func storedBytes(_ cid: String) -> [UInt8]? {
        state.withLock { $0.objects[cid]?.bytes }
    }

    /// Replaces the stored bytes under `cid` without any check, for tamper tests.
    public func overwrite(_ cid: String, with bytes: [UInt8]) {
        state.withLock { $0.objects[cid] = (bytes, $0.objects[cid]?.storedAt ?? 0) }
    }

    final class Writer: BlobWriter {
        let store: InMemoryBlobStore
        var sealer: StreamSealer
        var bytes: [UInt8]
        var finished = false

        init(store: InMemoryBlobStore, sealer: StreamSealer) {
            self.store = store
            self.sealer = sealer
            self.bytes = sealer.header.bytes
        }

        func write(_ plaintext: [UInt8]) throws {
            guard !finished else { throw BlobStoreError.integrity("the object was already committed or aborted") }
            guard sealer.plaintextCount + Int64(plaintext.count) <= store.maxObjectSize else {
                finished = true
                throw BlobStoreError.tooLarge(limit: Int(store.maxObjectSize))
            }
            try sealer.append(plaintext) { bytes.append(contentsOf: $0) }
        }

        func commit() throws -> StoredBlob {
            guard !finished else { throw BlobStoreError.integrity("the object was already committed or aborted") }
            finished = true
            try sealer.finish { bytes.append(contentsOf: $0) }
            let cid = UnixFSFileBuilder.contentID(of: bytes).string
            let now = store.clock()
            let stored = bytes
            store.state.withLock { $0.objects[cid] = (stored, now) }
            return StoredBlob(cid: cid, size: sealer.plaintextCount, storedSize: Int64(bytes.count))
        }

        func abort() {
            finished = true
            bytes = []
        }
    }

    final class Reader: BlobReader, @unchecked Sendable {
        let cid: String
        let bytes: [UInt8]
        let opener: StreamOpener

        init(cid: String, bytes: [UInt8], opener: StreamOpener) {
            self.cid = cid
            self.bytes = bytes
            self.opener = opener
        }

        var metadata: BlobMetadata { opener.metadata }
        var size: Int64 { opener.plaintextSize }

        func read(_ range: Range<Int64>, into body: ([UInt8]) async throws -> Void) async throws {
            // As the file store: a range starting at or past the end (or ending before 0) is empty.
            let lower = max(0, range.lowerBound)
            let clamped = lower..<max(lower, min(size, range.upperBound))
            for segment in opener.segments(covering: clamped) {
                let stored = opener.segmentRange(segment)
                let plaintext = try bytes.withUnsafeBytes {
                    try opener.open(segment: segment, UnsafeRawBufferPointer(rebasing: $0[Int(stored.lowerBound)..<Int(stored.upperBound)]))
                }
                let start = opener.plaintextOffset(ofSegment: segment)
                let from = Int(max(clamped.lowerBound, start) - start)
                let to = Int(min(clamped.upperBound, start + Int64(plaintext.count)) - start)
                try await body(Array(plaintext[from..<to]))
            }
        }

        func close() {}
    }
}
