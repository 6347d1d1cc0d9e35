import Crypto
import Foundation
import MedLedgerCore
import Synchronization

/// A ``BlobStore`` on the local file system: encrypted health content kept next to the ledger.
///
/// ```
/// <directory>/
///   master.key               32 random bytes (mode 0600) sealing every patient key
///   keys/<address>.key       the patient's 32-byte key as a SealedObject under the master key,
///                            AAD = the address (mode 0600)
///   blobs/<xx>/<cid>         one SealedObject per file, <xx> = last two characters of the CID
/// ```
///
/// Every object is written to a temporary file in its final directory, fsync'd, renamed into
/// place and the directory fsync'd, so a crash leaves either the whole object or none. Reads
/// recompute the CID from the bytes on disk before decrypting and throw
/// ``BlobStoreError/integrity(_:)`` on any mismatch: a damaged or substituted file never yields
/// plaintext. Patient keys are created on first `put` and published with an exclusive create, so
/// two concurrent first uses (threads or processes) end up with one key. Keys and plaintext are
/// never logged or put in error messages.
///
/// I/O is synchronous inside the async calls; objects are at most 256 KiB.
public final class FileBlobStore: BlobStore {
    /// The root holding `master.key`, `keys/` and `blobs/`.
    public let directory: URL
    private let objectsPath: String
    private let keysPath: String
    private let masterKey: SymmetricKey
    /// Patient keys already opened, so each key file is read and decrypted once per store.
    private let keyCache = Mutex<[AccountAddress: SymmetricKey]>([:])

    /// Opens (creating if needed) a store rooted at `directory`.
    ///
    /// With `masterKey` nil the master key is read from `<directory>/master.key`, which is created
    /// with a fresh random key (mode 0600) if absent. A supplied key must be 256 bits; it lets the
    /// operator keep the master key off the disk that holds the data.
    public init(directory: URL, masterKey: SymmetricKey? = nil) throws {
        self.directory = directory.standardizedFileURL
        self.objectsPath = self.directory.appendingPathComponent("blobs").path
        self.keysPath = self.directory.appendingPathComponent("keys").path
        for path in [self.directory.path, objectsPath, keysPath] {
            try DurableFiles.makeDirectory(path)
        }
        if let masterKey {
            guard masterKey.bitCount == 256 else { throw FileBlobStoreError("the blob master key must be 256 bits") }
            self.masterKey = masterKey
        } else {
            self.masterKey = try Self.loadOrCreateMasterKey(at: self.directory.appendingPathComponent("master.key").path)
        }
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

    /// Seals under the owner's key (created and persisted on first use) and writes the object durably.
    public func put(_ plaintext: [UInt8], owner: AccountAddress) async throws -> String {
        guard plaintext.count <= SealedObject.maxPlaintextSize else {
            throw BlobStoreError.tooLarge(limit: SealedObject.maxPlaintextSize)
        }
        guard let key = try patientKey(for: owner, create: true) else {
            throw FileBlobStoreError("no key could be made for \(owner)")
        }
        let object = try SealedObject(sealing: plaintext, key: key, owner: owner)
        let cid = object.contentID
        try DurableFiles.makeDirectory((objectPath(for: cid) as NSString).deletingLastPathComponent)
        try DurableFiles.replace(object.bytes, at: objectPath(for: cid))
        return cid.string
    }

    /// Recomputes the CID from the file, then opens the object for `owner`; never creates a key.
    public func get(_ cid: String, owner: AccountAddress) async throws -> [UInt8] {
        guard let id = ContentID(cid) else { throw BlobStoreError.invalidCID }
        // Only raw blocks are stored here; a dag-pb CID names nothing in this store.
        guard id.codec == .raw else { throw BlobStoreError.notFound }
        // Read one byte past the limit so an oversized file fails the hash check rather than
        // being silently cut to a length that might match.
        guard let bytes = try DurableFiles.readFile(objectPath(for: id), limit: SealedObject.maxObjectSize + 1) else {
            throw BlobStoreError.notFound
        }
        guard id.matches(rawBlock: bytes) else {
            throw BlobStoreError.integrity("stored bytes do not hash to \(id)")
        }
        let object = try SealedObject(bytes: bytes)
        guard let key = try patientKey(for: owner, create: false) else {
            // No key was ever made for this owner, so nothing stored can be theirs.
            throw BlobStoreError.integrity("object does not authenticate for this owner")
        }
        return try object.open(key: key, owner: owner)
    }

    /// True when a file exists for `cid` (its contents are checked only by ``get(_:owner:)``).
    public func contains(_ cid: String) async throws -> Bool {
        guard let id = ContentID(cid) else { throw BlobStoreError.invalidCID }
        guard id.codec == .raw else { return false }
        return FileManager.default.fileExists(atPath: objectPath(for: id))
    }

    /// Where the object named `cid` lives: `blobs/<last two characters>/<cid>`.
    func objectPath(for cid: ContentID) -> String {
        let text = cid.string
        return "\(objectsPath)/\(text.suffix(2))/\(text)"
    }

    /// Where `owner`'s sealed key lives: `keys/<address>.key`.
    func keyPath(for owner: AccountAddress) -> String {
        "\(keysPath)/\(owner.rawValue).key"
    }

    /// The owner's key from the cache or their key file; when there is none yet, a new key
    /// published exclusively (if `create`) or nil.
    private func patientKey(for owner: AccountAddress, create: Bool) throws -> SymmetricKey? {
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
}

/// A file-system problem in the blob store, described for the operator (never with key bytes).
public struct FileBlobStoreError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with the path involved.
    public let description: String
    /// Wraps an operator-facing message.
    public init(_ description: String) { self.description = description }
}

/// Small POSIX helpers for crash-safe writes.
enum DurableFiles {
    /// Creates `path` (mode 0700) if missing and makes the new entry durable in its parent.
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) == 0 {
            try syncDirectory((path as NSString).deletingLastPathComponent)
            return
        }
        let error = errno
        if error == EEXIST {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw FileBlobStoreError("\(path) exists and is not a directory")
            }
            return
        }
        let parent = (path as NSString).deletingLastPathComponent
        if error == ENOENT, !parent.isEmpty, parent != path {
            // A missing parent: create the chain, then retry this one.
            try makeDirectory(parent)
            return try makeDirectory(path)
        }
        throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(error)))")
    }

    /// The file's bytes, or nil when it does not exist. Reads at most `limit` bytes, so callers
    /// pass one more than they accept to detect overlong files.
    static func readFile(_ path: String, limit: Int) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            if error == ENOENT { return nil }
            throw FileBlobStoreError("cannot open \(path): \(String(cString: strerror(error)))")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit - count) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw FileBlobStoreError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            count += got
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// Writes `bytes` to `path` atomically: temp file in the same directory, fsync, rename over
    /// any existing file, fsync the directory.
    static func replace(_ bytes: [UInt8], at path: String) throws {
        let temp = try writeTemporary(bytes, besides: path)
        guard rename(temp, path) == 0 else {
            let error = errno
            unlink(temp)
            throw FileBlobStoreError("cannot move object into \(path): \(String(cString: strerror(error)))")
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
    }

    /// Creates `path` holding exactly `bytes` unless it already exists; true when this call
    /// created it.
    ///
    /// The content is written and fsync'd under a temporary name created with `O_EXCL`, then
    /// hard-linked to `path`; `link` fails if `path` exists, so the exclusive create is atomic
    /// and nobody ever sees a half-written file. On file systems without hard links it falls
    /// back to `O_EXCL` on `path` itself.
    static func publishExclusively(_ bytes: [UInt8], at path: String) throws -> Bool {
        let temp = try writeTemporary(bytes, besides: path)
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            let error = errno
            if error == EEXIST { return false }
            guard error == EPERM || error == ENOTSUP || error == EOPNOTSUPP else {
                throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(error)))")
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                if errno == EEXIST { return false }
                throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
        }
        try syncDirectory((path as NSString).deletingLastPathComponent)
        return true
    }

    /// Writes and fsyncs `bytes` to a fresh `.tmp-*` file (mode 0600, `O_EXCL`) in `path`'s directory.
    private static func writeTemporary(_ bytes: [UInt8], besides path: String) throws -> String {
        let directory = (path as NSString).deletingLastPathComponent
        let temp = "\(directory)/.tmp-\(UUID().uuidString)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileBlobStoreError("cannot create a file in \(directory): \(String(cString: strerror(errno)))") }
        do {
            try writeAll(bytes, to: fd, path: temp)
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        return temp
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw FileBlobStoreError("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw FileBlobStoreError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// fsyncs a directory so entries created, renamed or linked in it survive a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileBlobStoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileBlobStoreError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
