import Foundation
import Crypto

/// The interim encrypted object format for off-ledger health content:
///
/// ```
/// 0x01 (version) ‖ 12-byte random nonce ‖ AES-256-GCM ciphertext ‖ 16-byte tag
/// ```
///
/// The owner's (patient's) address, as UTF-8, is the additional authenticated data, so an object
/// cannot be passed off as another patient's even if both were sealed under the same key: opening
/// with any other owner fails authentication. The object's ``contentID`` is the CID of these bytes
/// as one raw block, which is what ledger entries carry.
///
/// Objects are limited to ``maxObjectSize`` (256 KiB), i.e. plaintext of at most
/// ``maxPlaintextSize`` (256 KiB − 29 bytes), so that each object stays one raw IPFS block and its
/// CID is exactly what `ipfs add --cid-version=1 --raw-leaves` would print. The record-files issue
/// replaces this format with streamed segments and chunked CIDs, which lifts the limit; the version
/// byte lets readers tell the formats apart.
public struct SealedObject: Sendable, Hashable {
    /// The format version written first in every object.
    public static let version: UInt8 = 0x01
    /// Bytes of random nonce after the version byte.
    public static let nonceSize = 12
    /// Bytes of GCM authentication tag at the end.
    public static let tagSize = 16
    /// Bytes an object adds to its plaintext: version, nonce and tag (29).
    public static let overhead = 1 + nonceSize + tagSize
    /// The largest object: one raw block (256 KiB).
    public static let maxObjectSize = ContentID.maxRawBlockSize
    /// The largest plaintext that fits in one object: 256 KiB − 29 bytes.
    public static let maxPlaintextSize = maxObjectSize - overhead

    /// The whole object as stored.
    public let bytes: [UInt8]

    /// Encrypts `plaintext` for `owner` under `key` (AES-256) with a fresh random nonce.
    ///
    /// Throws ``BlobStoreError/tooLarge(limit:)`` above ``maxPlaintextSize``.
    public init(sealing plaintext: [UInt8], key: SymmetricKey, owner: AccountAddress) throws {
        try self.init(sealing: plaintext, key: key, owner: owner, nonce: AES.GCM.Nonce())
    }

    /// Encrypts with a given nonce, for known-answer tests only: a nonce must never be reused
    /// under one key.
    init(sealing plaintext: [UInt8], key: SymmetricKey, owner: AccountAddress, nonce: AES.GCM.Nonce) throws {
        guard plaintext.count <= Self.maxPlaintextSize else { throw BlobStoreError.tooLarge(limit: Self.maxPlaintextSize) }
        guard key.bitCount == 256 else { throw BlobStoreError.integrity("object keys must be 256 bits") }
        let box = try AES.GCM.seal(plaintext, using: key, nonce: nonce, authenticating: Array(owner.rawValue.utf8))
        var bytes = [Self.version]
        bytes.reserveCapacity(plaintext.count + Self.overhead)
        bytes += Array(box.nonce)
        bytes += box.ciphertext
        bytes += box.tag
        self.bytes = bytes
    }

    /// Wraps stored bytes after checking their shape (version and length), not their authenticity;
    /// ``open(key:owner:)`` checks that.
    public init(bytes: [UInt8]) throws {
        guard bytes.count >= Self.overhead else { throw BlobStoreError.integrity("object is shorter than its header and tag") }
        guard bytes.count <= Self.maxObjectSize else { throw BlobStoreError.integrity("object is larger than one block") }
        guard bytes[0] == Self.version else { throw BlobStoreError.integrity("unknown object format version \(bytes[0])") }
        self.bytes = bytes
    }

    /// The CID of the object's bytes as one raw block.
    public var contentID: ContentID { ContentID(rawBlock: bytes) }

    /// Decrypts and authenticates for `owner`.
    ///
    /// Throws ``BlobStoreError/integrity(_:)`` when the object was sealed for another owner or
    /// under another key, or was altered; no plaintext is returned in that case.
    public func open(key: SymmetricKey, owner: AccountAddress) throws -> [UInt8] {
        let nonceEnd = 1 + Self.nonceSize
        let tagStart = bytes.count - Self.tagSize
        do {
            let box = try AES.GCM.SealedBox(
                nonce: AES.GCM.Nonce(data: bytes[1..<nonceEnd]),
                ciphertext: bytes[nonceEnd..<tagStart],
                tag: bytes[tagStart...]
            )
            return Array(try AES.GCM.open(box, using: key, authenticating: Array(owner.rawValue.utf8)))
        } catch {
            throw BlobStoreError.integrity("object does not authenticate for this owner (wrong owner or key, or altered)")
        }
    }
}
