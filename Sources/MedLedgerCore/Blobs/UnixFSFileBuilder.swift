import Crypto
import Foundation

/// Computes, from a stream of bytes, the CID that `ipfs add --cid-version=1 --raw-leaves` prints
/// with kubo's default importer settings, without any IPFS node and without keeping the content.
///
/// The ledger names off-ledger content by CID. For content of at most one chunk that is just the
/// raw-block CID (``ContentID/init(rawBlock:)``); for anything larger IPFS names the root of a
/// chunked UnixFS DAG, and this builder recomputes that root so the ledger entry and the IPFS name
/// of the same bytes agree, whatever their size.
///
/// The DAG reproduced is boxo's (kubo's importer's) balanced layout:
///
/// - the input is cut into fixed 262,144-byte chunks; each is a leaf stored as a `raw` block;
/// - an empty input is the raw block of zero bytes, and a single chunk is its own raw block;
/// - otherwise leaves are grouped left to right under `dag-pb` UnixFS `File` nodes of at most 174
///   links each, those nodes again under nodes of at most 174, and so on, until one node remains:
///   every leaf sits at the same depth, every node but the last on each level is full, and the
///   root's depth is the least that fits all leaves;
/// - a node is encoded canonically (links before data); each link carries the child's binary CID,
///   an empty but present name and the child's cumulative size (block bytes of the whole sub-DAG);
///   the node's UnixFS data carries `Type = File`, the file size under it, and one (unpacked)
///   block size per child.
///
/// Nodes are closed as soon as they are full, so memory stays bounded whatever the input size: no
/// copy of the content (a partial chunk lives only in the SHA-256 state) and, per tree level, at
/// most 174 pending links. Whole chunks are hashed straight from the caller's buffer. The result
/// does not depend on how the input is split across ``append(_:)`` calls.
///
/// A value type: copying a builder mid-stream forks it (the copies go on independently).
public struct UnixFSFileBuilder: Sendable {
    /// kubo's default fixed chunk size (`size-262144`), in bytes: the largest leaf.
    public static let chunkSize = 262_144
    /// kubo's default limit of links per file node (`Import.UnixFSFileMaxLinks`, boxo's
    /// `DefaultLinksPerBlock`).
    public static let maxLinks = 174

    /// One block made while building, for tests that inspect the DAG; see ``recordsBlocks``.
    struct Block: Sendable, Equatable {
        /// The block's CID (`raw` for leaves, `dag-pb` for nodes).
        let cid: ContentID
        /// The block's exact bytes.
        let bytes: [UInt8]
    }

    /// A finished child waiting for its parent node: enough to write the parent's link and
    /// UnixFS block size.
    private struct PendingLink: Sendable {
        let digest: SHA256.Digest
        /// Cumulative DAG size in bytes: the child's block plus everything under it (PBLink Tsize).
        let tsize: UInt64
        /// Bytes of file content under the child (UnixFS block size).
        let fileSize: UInt64
    }

    /// Chunk size in force (``chunkSize`` unless a test chose otherwise).
    let chunkLimit: Int
    /// Links per node in force (``maxLinks`` unless a test chose otherwise).
    let linkLimit: Int

    /// Test hook: when true, every block made is kept in ``recordedBlocks`` (leaves included,
    /// so memory is no longer bounded). Off on the public path.
    var recordsBlocks = false
    /// The blocks made so far, leaves and nodes, in the order they were closed.
    private(set) var recordedBlocks: [Block] = []
    /// The current partial chunk's bytes, only while ``recordsBlocks`` is on.
    private var recordedChunk: [UInt8] = []

    /// SHA-256 state of the current partial chunk (the first `chunkFill` bytes of it).
    private var chunkHasher = SHA256()
    private var chunkFill = 0
    private var totalBytes: UInt64 = 0
    /// `levels[k]` holds the closed children of the open node at height `k + 1`: leaves for
    /// `k == 0`, `dag-pb` nodes above.
    private var levels: [[PendingLink]] = [[]]
    /// Reused buffer for encoding nodes.
    private var nodeBuffer: [UInt8] = []

    /// A builder with kubo's defaults (262,144-byte chunks, 174 links per node).
    public init() {
        self.init(chunkSize: Self.chunkSize, maxLinks: Self.maxLinks)
    }

    /// A builder with other importer parameters, so tests can reach deep trees with little data and
    /// check published vectors made with other `--chunker`/`--max-file-links` settings.
    init(chunkSize: Int, maxLinks: Int) {
        precondition(chunkSize >= 1, "chunk size must be positive")
        precondition(maxLinks >= 2, "a node needs room for at least two links")
        self.chunkLimit = chunkSize
        self.linkLimit = maxLinks
        levels[0].reserveCapacity(maxLinks)
    }

    /// How many bytes have been appended so far.
    public var byteCount: UInt64 { totalBytes }

    /// Feeds the next bytes of the content; any split of the content gives the same CID.
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        let count = bytes.count
        guard count > 0 else { return }
        totalBytes += UInt64(count)
        var offset = 0

        // Top up a chunk left partial by earlier appends.
        if chunkFill > 0 {
            let take = min(chunkLimit - chunkFill, count)
            addToPartialChunk(UnsafeRawBufferPointer(rebasing: bytes[0..<take]))
            offset = take
            if chunkFill == chunkLimit {
                closePartialChunk()
            }
        }

        // Whole chunks: hashed in place, never copied.
        while count - offset >= chunkLimit {
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + chunkLimit)])
            var hasher = SHA256()
            hasher.update(bufferPointer: chunk)
            if recordsBlocks { recordedChunk.append(contentsOf: chunk) }
            closeLeaf(digest: hasher.finalize(), size: chunkLimit)
            offset += chunkLimit
        }

        // The tail starts the next partial chunk.
        if offset < count {
            addToPartialChunk(UnsafeRawBufferPointer(rebasing: bytes[offset..<count]))
        }
    }

    /// Feeds the next bytes of the content from any contiguous storage (`[UInt8]`, `Data`, …).
    public mutating func append<Bytes: ContiguousBytes>(contentsOf bytes: Bytes) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// The CID of everything appended: what `ipfs add --cid-version=1 --raw-leaves` prints for it.
    public consuming func finish() -> ContentID {
        closeTree()
    }

    /// The CID of `bytes` as one whole content, for callers that already hold it all.
    public static func contentID<Bytes: ContiguousBytes>(of bytes: Bytes) -> ContentID {
        var builder = UnixFSFileBuilder()
        builder.append(contentsOf: bytes)
        return builder.finish()
    }

    /// Finishes and also hands back every block made (needs ``recordsBlocks`` set before the
    /// first append), so tests can walk the DAG.
    consuming func finishRecordingBlocks() -> (root: ContentID, blocks: [Block]) {
        let root = closeTree()
        return (root, recordedBlocks)
    }

    // MARK: - Leaves

    private mutating func addToPartialChunk(_ bytes: UnsafeRawBufferPointer) {
        chunkHasher.update(bufferPointer: bytes)
        chunkFill += bytes.count
        if recordsBlocks { recordedChunk.append(contentsOf: bytes) }
    }

    private mutating func closePartialChunk() {
        let digest = chunkHasher.finalize()
        let size = chunkFill
        chunkHasher = SHA256()
        chunkFill = 0
        closeLeaf(digest: digest, size: size)
    }

    private mutating func closeLeaf(digest: SHA256.Digest, size: Int) {
        if recordsBlocks {
            recordedBlocks.append(Block(cid: Self.contentID(.raw, digest), bytes: recordedChunk))
            recordedChunk.removeAll(keepingCapacity: true)
        }
        push(PendingLink(digest: digest, tsize: UInt64(size), fileSize: UInt64(size)), level: 0)
    }

    // MARK: - Tree

    /// Adds a closed child at `level`, closing the node it fills when that node reaches the link
    /// limit (and so on upwards).
    private mutating func push(_ link: PendingLink, level: Int) {
        var level = level
        var link = link
        while true {
            if level == levels.count {
                levels.append([])
                levels[level].reserveCapacity(linkLimit)
            }
            levels[level].append(link)
            guard levels[level].count == linkLimit else { return }
            link = closeNode(level: level)
            level += 1
        }
    }

    /// Closes what is open: the last partial leaf, then the partial nodes bottom-up, until one
    /// child is left alone at the top: the root.
    private mutating func closeTree() -> ContentID {
        // An empty input still makes one (empty) leaf, as kubo does.
        if chunkFill > 0 || totalBytes == 0 {
            closePartialChunk()
        }
        var level = 0
        while true {
            let isTop = level == levels.count - 1
            if isTop, levels[level].count == 1 {
                return Self.contentID(level == 0 ? .raw : .dagPB, levels[level][0].digest)
            }
            if !levels[level].isEmpty {
                // A partial node; a lone child below the top still gets its own parent, so every
                // leaf stays at the same depth.
                let node = closeNode(level: level)
                push(node, level: level + 1)
            }
            level += 1
        }
    }

    /// Encodes the node whose children wait at `level`, records it, empties the level and returns
    /// the link its parent will hold.
    private mutating func closeNode(level: Int) -> PendingLink {
        let childCodec = UInt8(truncatingIfNeeded: (level == 0 ? ContentID.Codec.raw : .dagPB).rawValue)
        var buffer = nodeBuffer
        nodeBuffer = []
        buffer.removeAll(keepingCapacity: true)
        var fileSize: UInt64 = 0
        var tsize: UInt64 = 0

        // PBNode.Links (field 2), in child order, each a PBLink:
        //   Hash (1) = binary CIDv1, Name (2) = "" (present), Tsize (3) = cumulative size.
        for child in levels[level] {
            let linkLength = 2 + Self.cidLength + 2 + 1 + Self.varintLength(child.tsize)
            buffer.append(0x12)
            Self.appendVarint(UInt64(linkLength), to: &buffer)
            buffer.append(contentsOf: [0x0A, UInt8(Self.cidLength), 0x01, childCodec])
            buffer.append(contentsOf: [ContentID.sha256Code, UInt8(ContentID.digestLength)])
            child.digest.withUnsafeBytes { buffer.append(contentsOf: $0) }
            buffer.append(contentsOf: [0x12, 0x00, 0x18])
            Self.appendVarint(child.tsize, to: &buffer)
            fileSize += child.fileSize
            tsize += child.tsize
        }

        // PBNode.Data (field 1): UnixFS Data { Type (1) = File, filesize (3), blocksizes (4)... }.
        var dataLength = 2 + 1 + Self.varintLength(fileSize)
        for child in levels[level] {
            dataLength += 1 + Self.varintLength(child.fileSize)
        }
        buffer.append(0x0A)
        Self.appendVarint(UInt64(dataLength), to: &buffer)
        buffer.append(contentsOf: [0x08, 0x02, 0x18])
        Self.appendVarint(fileSize, to: &buffer)
        for child in levels[level] {
            buffer.append(0x20)
            Self.appendVarint(child.fileSize, to: &buffer)
        }

        let digest = SHA256.hash(data: buffer)
        if recordsBlocks {
            recordedBlocks.append(Block(cid: Self.contentID(.dagPB, digest), bytes: buffer))
        }
        tsize += UInt64(buffer.count)
        nodeBuffer = buffer
        levels[level].removeAll(keepingCapacity: true)
        return PendingLink(digest: digest, tsize: tsize, fileSize: fileSize)
    }

    // MARK: - Encoding helpers

    /// Bytes in a binary CIDv1 with a one-byte codec and a SHA2-256 multihash.
    private static let cidLength = 4 + ContentID.digestLength

    private static func contentID(_ codec: ContentID.Codec, _ digest: SHA256.Digest) -> ContentID {
        guard let cid = ContentID(codec: codec, sha256Digest: Array(digest)) else {
            preconditionFailure("SHA-256 digests are 32 bytes")
        }
        return cid
    }

    private static func varintLength(_ value: UInt64) -> Int {
        var value = value
        var length = 1
        while value >= 0x80 {
            value >>= 7
            length += 1
        }
        return length
    }

    private static func appendVarint(_ value: UInt64, to buffer: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        buffer.append(UInt8(value))
    }
}
