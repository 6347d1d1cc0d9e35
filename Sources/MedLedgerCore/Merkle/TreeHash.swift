import Crypto
import Foundation

/// A SHA-256 value in the ledger's Merkle tree (RFC 6962 §2.1 / RFC 9162 §2.1.1).
///
/// Leaves and interior nodes are hashed with distinct one-byte prefixes so that a leaf can never be
/// passed off as an interior node (second-preimage protection).
public struct TreeHash: Hashable, Sendable, CustomStringConvertible {
    /// The 32 hash bytes.
    public let bytes: [UInt8]

    /// Wraps 32 bytes; returns nil for any other length.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self.bytes = bytes
    }

    private init(digest: SHA256.Digest) {
        self.bytes = Array(digest)
    }

    /// The hash of the empty tree: SHA-256 of no bytes.
    public static let empty = TreeHash(digest: SHA256.hash(data: [UInt8]()))

    /// `SHA-256(0x00 || entry)`.
    public static func leaf<Bytes: ContiguousBytes>(_ entry: Bytes) -> TreeHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        entry.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        return TreeHash(digest: hasher.finalize())
    }

    /// `SHA-256(0x01 || left || right)`.
    public static func interior(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left.bytes)
        hasher.update(data: right.bytes)
        return TreeHash(digest: hasher.finalize())
    }

    public var description: String { Hex.encode(bytes) }
}
