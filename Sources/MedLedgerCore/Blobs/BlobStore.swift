/// Where encrypted health content (profiles, notes, reports, files) lives, off the ledger.
///
/// Ledger entries carry only the CID of the *ciphertext*: the ledger can be replicated and audited
/// without ever holding plaintext, and the CID pins the exact bytes stored. The CID is the one
/// `ipfs add --cid-version=1 --raw-leaves` gives for those bytes (``UnixFSFileBuilder``), so the
/// ciphertext can be pinned on any IPFS node under the same name.
///
/// Objects are written and read as streams (``BlobWriter``, ``BlobReader``) so files of any size
/// pass with bounded memory; ``put(_:owner:metadata:)`` and ``get(_:owner:limit:)`` are shorthands
/// for small documents. Each object is encrypted under its own data key, wrapped by its owner's
/// (a patient's) key; ``destroyKey(of:)`` is erasure.
public protocol BlobStore: Sendable {
    /// The largest plaintext a writer accepts, in bytes.
    var maxObjectSize: Int64 { get }

    /// Starts a new object for `owner`. Nothing is visible under any CID until
    /// ``BlobWriter/commit()`` returns.
    func makeWriter(owner: AccountAddress, metadata: BlobMetadata) async throws -> any BlobWriter

    /// Opens `cid` for `owner` after checking that every stored byte hashes to the CID, so a reader
    /// never decrypts bytes other than the ones the ledger names. Throws ``BlobStoreError``:
    /// ``BlobStoreError/notFound``, ``BlobStoreError/integrity(_:)`` for altered, truncated or
    /// swapped objects and for another owner's object, ``BlobStoreError/erased`` when the owner's
    /// key was destroyed.
    func open(_ cid: String, owner: AccountAddress) async throws -> any BlobReader

    /// Checks without decrypting that `cid` is stored, hashes to its CID and is a well-formed
    /// object; returns what its header says. This is the store's part of an auditor's tally check.
    func check(_ cid: String) async throws -> StoredObject

    /// Who an object was sealed for and who uploaded it, read from its header and sealed metadata
    /// without hashing the whole object: what the node checks before it sequences a transaction
    /// that names the CID (``ContentClaim``). Throws ``BlobStoreError/notFound``,
    /// ``BlobStoreError/erased``, or ``BlobStoreError/integrity(_:)`` when the header does not
    /// open under its owner's key.
    func provenance(_ cid: String) async throws -> ContentProvenance

    /// True when an object with this CID is stored. Throws ``BlobStoreError/invalidCID`` for text
    /// that is not a CID, so callers can tell a typo from an absent object.
    func contains(_ cid: String) async throws -> Bool

    /// Every stored object with its owner and when it was stored, for garbage collection and
    /// erasure. Objects whose header cannot be read are listed with a nil owner.
    func inventory() async throws -> [StoredObject]

    /// Removes one object (garbage collection, erasure). Removing an absent object is not an error.
    func remove(_ cid: String) async throws

    /// Destroys `owner`'s key: every object sealed for them becomes unreadable for good. Later
    /// writes for this owner are refused. Repeating it costs next to nothing.
    func destroyKey(of owner: AccountAddress) async throws
}

/// Takes one object's plaintext in pieces. Not shared between tasks: one writer belongs to the
/// request or job that made it.
public protocol BlobWriter: AnyObject {
    /// Encrypts and stores more plaintext. Throws ``BlobStoreError/tooLarge(limit:)`` once the
    /// total passes the store's limit (the writer is then aborted).
    func write(_ bytes: [UInt8]) async throws
    /// Makes the object durable and visible under its CID, and returns it.
    func commit() async throws -> StoredBlob
    /// Drops everything written; nothing becomes visible.
    func abort() async
}

/// An opened, verified object whose plaintext can be read in ranges. Sendable so a streamed HTTP
/// response can carry it; reads may run one at a time from any task.
public protocol BlobReader: AnyObject, Sendable {
    /// The CID the object was opened (and checked) under.
    var cid: String { get }
    /// The object's decrypted name and media type.
    var metadata: BlobMetadata { get }
    /// The plaintext length in bytes.
    var size: Int64 { get }
    /// Decrypts plaintext bytes `range` (clamped to ``size``) and hands them to `body` in pieces
    /// of at most a few hundred KiB, in order. Throws ``BlobStoreError/integrity(_:)`` if a segment
    /// fails to authenticate; the pieces handed over before it were authentic.
    func read(_ range: Range<Int64>, into body: ([UInt8]) async throws -> Void) async throws
    /// Releases the open file.
    func close()
}

/// A committed object.
public struct StoredBlob: Sendable, Equatable {
    /// The CID of the stored ciphertext.
    public let cid: String
    /// The plaintext length.
    public let size: Int64
    /// The ciphertext length (header, segments and tags).
    public let storedSize: Int64

    public init(cid: String, size: Int64, storedSize: Int64) {
        self.cid = cid
        self.size = size
        self.storedSize = storedSize
    }
}

/// What the store knows of an object without decrypting it.
public struct StoredObject: Sendable, Equatable {
    /// The object's CID.
    public let cid: String
    /// The patient whose key wraps it; nil when the header could not be read.
    public let owner: AccountAddress?
    /// The ciphertext length.
    public let storedSize: Int64
    /// When it was stored, in milliseconds since the epoch.
    public let storedAt: Int64
    /// True when the owner's key was destroyed: the object can never be read again and only
    /// waits to be removed (an erasure interrupted before its objects were).
    public let ownerErased: Bool

    public init(cid: String, owner: AccountAddress?, storedSize: Int64, storedAt: Int64, ownerErased: Bool = false) {
        self.cid = cid
        self.owner = owner
        self.storedSize = storedSize
        self.storedAt = storedAt
        self.ownerErased = ownerErased
    }
}

/// Whose an object is: the patient whose key seals it and the account that uploaded it.
public struct ContentProvenance: Sendable, Equatable {
    /// The patient (or account) whose key wraps the object's data key.
    public let owner: AccountAddress
    /// The account whose signed upload stored it; nil for objects the node stored itself.
    public let uploader: AccountAddress?

    public init(owner: AccountAddress, uploader: AccountAddress?) {
        self.owner = owner
        self.uploader = uploader
    }
}

/// Why a blob could not be stored or read.
public enum BlobStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No object with this CID is stored.
    case notFound
    /// The stored bytes do not match their CID, are not a well-formed object, or do not
    /// authenticate under the owner's key (wrong owner, wrong key or tampering).
    case integrity(String)
    /// The plaintext is longer than `limit` bytes.
    case tooLarge(limit: Int)
    /// The text is not a CID this store can hold.
    case invalidCID
    /// The owner's key was destroyed at their request: the content no longer exists.
    case erased

    /// A plain message for logs and API errors; never contains content or keys.
    public var description: String {
        switch self {
        case .notFound: "no stored object has this CID"
        case .integrity(let detail): "stored object failed its integrity check: \(detail)"
        case .tooLarge(let limit): "content is larger than the \(limit)-byte limit"
        case .invalidCID: "not a valid content identifier"
        case .erased: "the patient's content was erased"
        }
    }
}

extension BlobStore {
    /// Stores a small document in one call and returns its CID.
    /// `uploader` is recorded in the sealed metadata when `metadata` is nil.
    public func put(_ plaintext: [UInt8], owner: AccountAddress, uploader: AccountAddress? = nil, metadata: BlobMetadata? = nil) async throws -> String {
        let described = metadata ?? BlobMetadata(mediaType: MediaTypeSniffer.mediaType(of: Array(plaintext.prefix(512))), uploader: uploader)
        let writer = try await makeWriter(owner: owner, metadata: described)
        do {
            try await writer.write(plaintext)
            return try await writer.commit().cid
        } catch {
            await writer.abort()
            throw error
        }
    }

    /// Reads a whole object into memory; refuses objects larger than `limit` (notes, profiles and
    /// other documents shown on a page, not files to download).
    public func get(_ cid: String, owner: AccountAddress, limit: Int64 = 16 << 20) async throws -> [UInt8] {
        let reader = try await open(cid, owner: owner)
        defer { reader.close() }
        guard reader.size <= limit else { throw BlobStoreError.tooLarge(limit: Int(limit)) }
        var bytes = [UInt8]()
        bytes.reserveCapacity(Int(reader.size))
        try await reader.read(0..<reader.size) { bytes += $0 }
        return bytes
    }
}
