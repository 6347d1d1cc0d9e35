import Crypto
import Foundation
import MedLedgerCore
import Synchronization

/// A ``BlobStore`` on the local file system: encrypted health content kept next to the ledger.
///
/// ```
/// <directory>/
///   master.key               32 random bytes (mode 0600) sealing every patient key, unless the
///                            operator supplies the key (MEDLEDGER_MASTER_KEY)
///   keys/<address>.key       the patient's 32-byte key as a SealedObject under the master key
///   keys/<address>.erased    left when the patient's key was destroyed (erasure)
///   blobs/<xx>/<cid>         one object (format 2, see StreamSealer), <xx> = last two characters
///   blobs/tmp/               objects being written; never visible under a CID
/// ```
///
/// **Writing** runs as a three-stage pipeline so one upload uses both cores: the caller encrypts
/// into 4 MiB page-aligned batches, one thread computes the CID (``UnixFSFileBuilder``) and another
/// writes each batch with `O_DIRECT`, which keeps gigabyte files out of the page cache and lets the
/// disk take them at its own speed. Commit fsyncs the file, renames it to its CID and fsyncs the
/// directory: a crash leaves a whole object or only a temporary file, which start-up removes.
///
/// **Reading** recomputes the CID over every stored byte before any plaintext is produced, then
/// decrypts only the segments a range needs. A file altered, truncated, swapped or missing gives
/// ``BlobStoreError``, never wrong plaintext.
public final class FileBlobStore: BlobStore {
    /// The root holding `master.key`, `keys/` and `blobs/`.
    public let directory: URL
    let objectsPath: String
    let keysPath: String
    let temporaryPath: String
    private let masterKey: SymmetricKey
    /// Patient keys already opened, so each key file is read and decrypted once per store.
    private let keyCache = Mutex<[AccountAddress: SymmetricKey]>([:])
    /// Objects whose whole file hashed to their CID, with the file's identity at that moment: a
    /// download's range requests and page views then open an unchanged file without hashing it all
    /// again. Any replacement or rewrite changes the identity and brings the full check back; the
    /// auditor's ``check(_:)`` always hashes.
    private let verified = Mutex<[ContentID: ObjectFile.Identity]>([:])
    /// Entries kept before the record of verified files starts again.
    static let verifiedLimit = 10_000
    public let maxObjectSize: Int64
    /// Bytes per write batch; a multiple of every device's direct-I/O alignment.
    static let batchSize = 4 << 20
    /// Temporary files older than this are leftovers of a crash.
    static let staleTemporaryAge: TimeInterval = 3600

    /// Opens (creating if needed) a store rooted at `directory`.
    ///
    /// With `masterKey` nil the master key is read from `<directory>/master.key`, which is created
    /// with a fresh random key (mode 0600) if absent. A supplied key must be 256 bits; it lets the
    /// operator keep the master key off the disk that holds the data.
    public init(directory: URL, masterKey: SymmetricKey? = nil, maxObjectSize: Int64 = 200_000_000) throws {
        self.directory = directory.standardizedFileURL
        self.objectsPath = self.directory.appendingPathComponent("blobs").path
        self.keysPath = self.directory.appendingPathComponent("keys").path
        self.temporaryPath = objectsPath + "/tmp"
        self.maxObjectSize = maxObjectSize
        for path in [self.directory.path, objectsPath, keysPath, temporaryPath] {
            try DurableFiles.makeDirectory(path)
        }
        if let masterKey {
            guard masterKey.bitCount == 256 else { throw FileBlobStoreError("the blob master key must be 256 bits") }
            self.masterKey = masterKey
        } else {
            self.masterKey = try Self.loadOrCreateMasterKey(at: self.directory.appendingPathComponent("master.key").path)
        }
        try createShards()
        removeStaleTemporaries()
    }

    /// Creates the 1,024 shard folders (every pair of base32 characters) once, so storing an
    /// object never waits for a `mkdir` and two directory fsyncs on its way to being durable.
    private func createShards() throws {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        var created = false
        for first in alphabet {
            for second in alphabet {
                let path = "\(objectsPath)/\(first)\(second)"
                if mkdir(path, 0o700) == 0 {
                    created = true
                } else if errno != EEXIST {
                    throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(errno)))")
                }
            }
        }
        if created { try DurableFiles.syncDirectory(objectsPath) }
    }

    /// Reads the 32-byte master key at `path`, or creates it (mode 0600, exclusive create, fsync'd)
    /// with fresh random bytes when absent. Concurrent creators end up with the same key.
    public static func loadOrCreateMasterKey(at path: String) throws -> SymmetricKey {
        if let bytes = try DurableFiles.readFile(path, limit: 33) {
            guard bytes.count == 32 else { throw FileBlobStoreError("\(path) is not a 32-byte key") }
            return SymmetricKey(data: bytes)
        }
        let fresh = SymmetricKey(size: .bits256)
        let bytes = fresh.withUnsafeBytes { Array($0) }
        if try DurableFiles.publishExclusively(bytes, at: path) { return fresh }
        guard let existing = try DurableFiles.readFile(path, limit: 33), existing.count == 32 else {
            throw FileBlobStoreError("\(path) is not a 32-byte key")
        }
        return SymmetricKey(data: existing)
    }

    // MARK: BlobStore

    public func makeWriter(owner: AccountAddress, metadata: BlobMetadata) async throws -> any BlobWriter {
        guard let key = try patientKey(for: owner, create: true) else {
            throw FileBlobStoreError("no key could be made for \(owner)")
        }
        let sealer = try StreamSealer(owner: owner, patientKey: key, metadata: metadata)
        return try FileBlobWriter(store: self, sealer: sealer)
    }

    public func open(_ cid: String, owner: AccountAddress) async throws -> any BlobReader {
        let id = try Self.parse(cid)
        let file = try ObjectFile(path: objectPath(for: id))
        do {
            let header = try verifiedHeader(of: file, id: id)
            guard header.owner == owner else { throw BlobStoreError.integrity("the object was not stored for this patient") }
            guard let key = try patientKey(for: owner, create: false) else {
                if isErased(owner) { throw BlobStoreError.erased }
                throw BlobStoreError.integrity("the object was not stored for this patient")
            }
            return FileBlobReader(cid: id.string, file: file, opener: try StreamOpener(header: header, storedSize: file.size, patientKey: key))
        } catch {
            file.close()
            throw error
        }
    }

    public func check(_ cid: String) async throws -> StoredObject {
        let id = try Self.parse(cid)
        let file = try ObjectFile(path: objectPath(for: id))
        defer { file.close() }
        let header = try file.verify(id)
        return StoredObject(cid: cid, owner: header.owner, storedSize: file.size, storedAt: file.modified)
    }

    public func provenance(_ cid: String) async throws -> ContentProvenance {
        let id = try Self.parse(cid)
        let file = try ObjectFile(path: objectPath(for: id))
        defer { file.close() }
        let header = try SealedObjectHeader(parsing: try file.readPrefix(SealedObjectHeader.maxSize))
        guard let key = try patientKey(for: header.owner, create: false) else {
            if isErased(header.owner) { throw BlobStoreError.erased }
            throw BlobStoreError.integrity("the object's owner has no key")
        }
        let metadata = try header.openMetadata(dataKey: try header.unwrapKey(with: key))
        return ContentProvenance(owner: header.owner, uploader: metadata.uploader)
    }

    public func contains(_ cid: String) async throws -> Bool {
        let id = try Self.parse(cid)
        return FileManager.default.fileExists(atPath: objectPath(for: id))
    }

    public func inventory() async throws -> [StoredObject] {
        var objects: [StoredObject] = []
        var erased: [AccountAddress: Bool] = [:]
        let manager = FileManager.default
        for shard in try manager.contentsOfDirectory(atPath: objectsPath).sorted() where shard.count == 2 {
            let shardPath = objectsPath + "/" + shard
            for name in (try? manager.contentsOfDirectory(atPath: shardPath))?.sorted() ?? [] {
                guard let id = ContentID(name), name.hasSuffix(shard) else { continue }
                guard let file = try? ObjectFile(path: shardPath + "/" + name) else { continue }
                defer { file.close() }
                let owner = (try? file.readPrefix(SealedObjectHeader.fixedSize)).flatMap { prefix -> AccountAddress? in
                    guard prefix.count == SealedObjectHeader.fixedSize, Array(prefix[0..<4]) == SealedObjectHeader.magic else { return nil }
                    return AccountAddress(String(decoding: prefix[5..<47], as: UTF8.self))
                }
                let ownerErased = owner.map { owner in
                    if let known = erased[owner] { return known }
                    let marked = isErased(owner)
                    erased[owner] = marked
                    return marked
                } ?? false
                objects.append(StoredObject(cid: id.string, owner: owner, storedSize: file.size, storedAt: file.modified, ownerErased: ownerErased))
            }
        }
        return objects
    }

    public func remove(_ cid: String) async throws {
        let id = try Self.parse(cid)
        let path = objectPath(for: id)
        verified.withLock { _ = $0.removeValue(forKey: id) }
        if unlink(path) != 0 {
            guard errno == ENOENT else { throw FileBlobStoreError("cannot remove \(path): \(String(cString: strerror(errno)))") }
            return
        }
        try DurableFiles.syncDirectory((path as NSString).deletingLastPathComponent)
    }

    public func destroyKey(of owner: AccountAddress) async throws {
        // The marker first: from then on nothing new is sealed for this patient, even if the
        // process stops before the key file is gone (the node repeats erasure at start-up).
        let marker = keysPath + "/\(owner.rawValue).erased"
        let path = keyPath(for: owner)
        keyCache.withLock { $0[owner] = nil }
        if isErased(owner), !FileManager.default.fileExists(atPath: path) { return }
        _ = try DurableFiles.publishExclusively(Array("erased\n".utf8), at: marker)
        if unlink(path) != 0, errno != ENOENT {
            throw FileBlobStoreError("cannot remove \(path): \(String(cString: strerror(errno)))")
        }
        try DurableFiles.syncDirectory(keysPath)
    }

    /// The header of `file` once its bytes are known to hash to `id`: hashed now, unless this
    /// very file, unchanged, was hashed before.
    private func verifiedHeader(of file: ObjectFile, id: ContentID) throws -> SealedObjectHeader {
        if verified.withLock({ $0[id] }) == file.identity {
            return try SealedObjectHeader(parsing: file.readPrefix(SealedObjectHeader.maxSize))
        }
        let header = try file.verify(id)
        verified.withLock { known in
            if known.count >= Self.verifiedLimit { known.removeAll() }
            known[id] = file.identity
        }
        return header
    }

    // MARK: Paths and keys

    /// Where the object named `cid` lives: `blobs/<last two characters>/<cid>`.
    func objectPath(for cid: ContentID) -> String {
        let text = cid.string
        return "\(objectsPath)/\(text.suffix(2))/\(text)"
    }

    /// Where `owner`'s sealed key lives: `keys/<address>.key`.
    func keyPath(for owner: AccountAddress) -> String {
        "\(keysPath)/\(owner.rawValue).key"
    }

    /// True once `owner`'s key was destroyed.
    func isErased(_ owner: AccountAddress) -> Bool {
        FileManager.default.fileExists(atPath: keysPath + "/\(owner.rawValue).erased")
    }

    static func parse(_ cid: String) throws -> ContentID {
        guard let id = ContentID(cid) else { throw BlobStoreError.invalidCID }
        return id
    }

    /// The owner's key from the cache or their key file; when there is none yet, a new key
    /// published exclusively (if `create`) or nil. Refuses to create one for an erased patient.
    private func patientKey(for owner: AccountAddress, create: Bool) throws -> SymmetricKey? {
        // The marker first, before any cached key: another store on this directory (another
        // process) may have erased the patient since this one cached the key.
        if isErased(owner) {
            keyCache.withLock { $0[owner] = nil }
            if create { throw BlobStoreError.erased }
            return nil
        }
        if let cached = keyCache.withLock({ $0[owner] }) { return cached }
        let path = keyPath(for: owner)
        let size = 32 + SealedObject.overhead
        // One byte more than a key file holds, so an overlong file is caught below.
        let limit = size + 1
        var sealed = try DurableFiles.readFile(path, limit: limit)
        if sealed == nil {
            guard create else { return nil }
            let fresh = SymmetricKey(size: .bits256)
            let object = try SealedObject(sealing: fresh.withUnsafeBytes { Array($0) }, key: masterKey, owner: owner)
            if try DurableFiles.publishExclusively(object.bytes, at: path) {
                return keyCache.withLock { cache in
                    if let winner = cache[owner] { return winner }
                    cache[owner] = fresh
                    return fresh
                }
            }
            // Another writer published first: use theirs.
            sealed = try DurableFiles.readFile(path, limit: limit)
        }
        guard let sealed, sealed.count == size else {
            throw BlobStoreError.integrity("the key file for \(owner) is damaged")
        }
        let raw: [UInt8]
        do {
            raw = try SealedObject(bytes: sealed).open(key: masterKey, owner: owner)
        } catch {
            throw BlobStoreError.integrity("the key file for \(owner) does not open under this master key")
        }
        let key = SymmetricKey(data: raw)
        return keyCache.withLock { cache in
            if let winner = cache[owner] { return winner }
            cache[owner] = key
            return key
        }
    }

    /// Removes temporary files a crashed upload left behind (older than an hour, so a concurrent
    /// upload in another process is never touched).
    private func removeStaleTemporaries() {
        let manager = FileManager.default
        let cutoff = Date().addingTimeInterval(-Self.staleTemporaryAge)
        for name in (try? manager.contentsOfDirectory(atPath: temporaryPath)) ?? [] {
            let path = temporaryPath + "/" + name
            if let modified = (try? manager.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < cutoff {
                unlink(path)
            }
        }
    }

    /// Moves a finished temporary file to its CID's place and makes that durable.
    func publish(temporary: String, as cid: ContentID) throws {
        let path = objectPath(for: cid)
        let shard = (path as NSString).deletingLastPathComponent
        try DurableFiles.makeDirectory(shard)
        guard rename(temporary, path) == 0 else {
            let error = errno
            unlink(temporary)
            throw FileBlobStoreError("cannot move object into \(path): \(String(cString: strerror(error)))")
        }
        try DurableFiles.syncDirectory(shard)
    }
}

/// A file-system problem in the blob store, described for the operator (never with key bytes).
public struct FileBlobStoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with the path involved.
    public let description: String
    /// Wraps an operator-facing message.
    public init(_ description: String) { self.description = description }
}
