import Crypto

/// A ``BlobStore`` in memory, for tests and demos.
///
/// It still seals every object as a ``SealedObject`` under a random per-owner key and checks the
/// CID on every read, so code tested against it exercises the real format and failure modes.
/// Keys live only as long as the store.
public actor InMemoryBlobStore: BlobStore {
    private var objects: [ContentID: [UInt8]] = [:]
    private var keys: [AccountAddress: SymmetricKey] = [:]

    /// An empty store with no keys.
    public init() {}

    /// Seals under the owner's key (created on first use) and keeps the object under its CID.

    public func put(_ plaintext: [UInt8], owner: AccountAddress) throws -> String {
        let object = try SealedObject(sealing: plaintext, key: key(for: owner), owner: owner)
        let cid = object.contentID
        objects[cid] = object.bytes
        return cid.string
    }

    /// Checks the CID against the kept bytes, then opens them for `owner`.
    public func get(_ cid: String, owner: AccountAddress) throws -> [UInt8] {
        guard let id = ContentID(cid) else { throw BlobStoreError.invalidCID }
        guard let bytes = objects[id] else { throw BlobStoreError.notFound }
        guard id.matches(rawBlock: bytes) else { throw BlobStoreError.integrity("stored bytes do not hash to \(id)") }
        // An owner with no key yet cannot own anything here; don't mint a key on a read.
        guard let key = keys[owner] else { throw BlobStoreError.integrity("object does not authenticate for this owner") }
        return try SealedObject(bytes: bytes).open(key: key, owner: owner)
    }

    /// True when an object is kept under `cid`.
    public func contains(_ cid: String) throws -> Bool {
        guard let id = ContentID(cid) else { throw BlobStoreError.invalidCID }
        return objects[id] != nil
    }

    /// The stored ciphertext, for tests that inspect or copy it.
    public func storedBytes(_ cid: String) -> [UInt8]? {
        ContentID(cid).flatMap { objects[$0] }
    }

    /// Replaces the stored bytes under `cid` without any check, for tamper tests.
    public func overwrite(_ cid: String, with bytes: [UInt8]) {
        guard let id = ContentID(cid) else { return }
        objects[id] = bytes
    }

    private func key(for owner: AccountAddress) -> SymmetricKey {
        if let key = keys[owner] { return key }
        let key = SymmetricKey(size: .bits256)
        keys[owner] = key
        return key
    }
}
