/// Where encrypted health content (profiles, notes, reports) lives, off the ledger.
///
/// Ledger entries carry only the CID of the *ciphertext*, so the ledger can be replicated and
/// audited without ever holding plaintext, and the CID still pins the exact bytes that were stored.
/// Implementations encrypt under a per-patient key, so reading needs both the CID and the owner.
///
/// The interim format is one ``SealedObject`` per raw block (see ``ContentID``); a later format with
/// streamed segments and chunked CIDs can slot in behind the same three calls.
public protocol BlobStore: Sendable {
    /// Encrypts `plaintext` under `owner`'s (a patient's) key, stores the ciphertext and returns its CID.
    ///
    /// Throws ``BlobStoreError/tooLarge(limit:)`` when the plaintext exceeds the store's limit.
    func put(_ plaintext: [UInt8], owner: AccountAddress) async throws -> String

    /// Reads, checks the CID against the stored bytes, decrypts with `owner`'s key. Throws ``BlobStoreError``.
    ///
    /// Never returns plaintext that does not belong to `cid` and `owner`: a mismatched CID, a
    /// corrupted object or the wrong owner all throw ``BlobStoreError/integrity(_:)``.
    func get(_ cid: String, owner: AccountAddress) async throws -> [UInt8]

    /// True when an object with this CID is stored. Throws ``BlobStoreError/invalidCID`` for text
    /// that is not a CID, so callers can tell a typo from an absent object.
    func contains(_ cid: String) async throws -> Bool
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

    /// A plain message for logs and API errors; never contains content or keys.
    public var description: String {
        switch self {
        case .notFound: "no stored object has this CID"
        case .integrity(let detail): "stored object failed its integrity check: \(detail)"
        case .tooLarge(let limit): "content is larger than the \(limit)-byte limit"
        case .invalidCID: "not a valid content identifier"
        }
    }
}
