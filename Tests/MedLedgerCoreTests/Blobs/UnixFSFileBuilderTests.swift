import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

private let chunk = UnixFSFileBuilder.chunkSize

/// Checks ``UnixFSFileBuilder`` three independent ways:
///
/// - against ``ReferenceUnixFSImporter`` below: a whole-buffer, recursive transcription of boxo's
///   `balanced.Layout`/`fillNodeRec` (the importer behind `ipfs add`) with its own protobuf writer,
///   written from the UnixFS and dag-pb specs and sharing no code with the builder;
/// - by decoding every block the builder makes with a hand-written protobuf reader and checking
///   the UnixFS and balanced-layout invariants, and that the leaves give the input back;
/// - against CIDs published by kubo/boxo for deterministic inputs (sources next to each vector).
@Suite("UnixFS file CIDs (ipfs add --cid-version=1 --raw-leaves)")
struct UnixFSFileBuilderTests {
    /// Enough pseudo-random content for the largest size below; every chunk differs, so a leaf
    /// out of order changes the CID.
    static let sample = pseudoRandomBytes(count: 175 * chunk + 1, seed: 0x4D65_644C_6564_6765)

    // MARK: - Against the reference importer

    @Test(
        "kubo-default parameters: builder equals the reference importer at chunk and link-limit edges",
        arguments: [
            0, 1, chunk - 1, chunk, chunk + 1, 2 * chunk, 2 * chunk + 7,
            174 * chunk, 174 * chunk + 1, 175 * chunk, 175 * chunk + 1,
        ])
    func matchesReferenceAtDefaultParameters(size: Int) {
        let content = Self.sample[0..<size]
        var reference = ReferenceUnixFSImporter(content: content, chunkSize: chunk, maxLinks: 174)
        let expected = reference.rootCID()

        var builder = UnixFSFileBuilder()
        builder.append(contentsOf: content)
        let cid = builder.finish()

        #expect(cid.bytes == expected)
        #expect(cid.codec == (size <= chunk ? .raw : .dagPB))
        #expect(UnixFSFileBuilder.contentID(of: Array(content)) == cid)
    }

    @Test("tiny chunks and link limits: builder equals the reference for every size 0...200, trees up to depth 8")
    func matchesReferenceWithTinyParameters() {
        let content = Self.sample[0..<200]
        for (chunkSize, maxLinks) in [(4, 3), (1, 2), (5, 4), (3, 174)] {
            for size in 0...200 {
                var reference = ReferenceUnixFSImporter(content: content[0..<size], chunkSize: chunkSize, maxLinks: maxLinks)
                var builder = UnixFSFileBuilder(chunkSize: chunkSize, maxLinks: maxLinks)
                builder.append(contentsOf: content[0..<size])
                #expect(builder.finish().bytes == reference.rootCID(), "chunk \(chunkSize), links \(maxLinks), size \(size)")
            }
        }
    }

    @Test("depth really grows: 1 chunk is raw, then depth 1, 2, 3, 4 exactly at maxLinks^d + 1 chunks")
    func depthGrowsAtPowersOfTheLinkLimit() throws {
        // chunk 1 byte, 3 links: depth d holds up to 3^d leaves.
        for (size, depth) in [(1, 0), (2, 1), (3, 1), (4, 2), (9, 2), (10, 3), (27, 3), (28, 4), (81, 4)] {
            var builder = UnixFSFileBuilder(chunkSize: 1, maxLinks: 3)
            builder.recordsBlocks = true
            builder.append(contentsOf: Self.sample[0..<size])
            let (root, blocks) = builder.finishRecordingBlocks()
            let walk = try DAGWalk(root: root, blocks: blocks, chunkSize: 1, maxLinks: 3)
            #expect(walk.depth == depth, "size \(size)")
        }
    }

    // MARK: - Decoding what the builder made

    @Test(
        "every block decodes to a well-formed balanced UnixFS file whose leaves give the input back (default parameters)",
        arguments: [0, 1, chunk, chunk + 1, 3 * chunk + 5, 174 * chunk, 175 * chunk + 1])
    func producedDAGDecodesAtDefaultParameters(size: Int) throws {
        try Self.checkDecodedDAG(content: Array(Self.sample[0..<size]), chunkSize: chunk, maxLinks: 174)
    }

    @Test("every block decodes to a well-formed balanced UnixFS file for tiny parameters, sizes 0...200")
    func producedDAGDecodesWithTinyParameters() throws {
        for (chunkSize, maxLinks) in [(4, 3), (1, 2), (7, 5)] {
            for size in 0...200 {
                try Self.checkDecodedDAG(content: Array(Self.sample[0..<size]), chunkSize: chunkSize, maxLinks: maxLinks)
            }
        }
    }

    @Test("the decoder rejects what the spec forbids, so the invariants above can fail")
    func decoderRejectsMalformedNodes() throws {
        var builder = UnixFSFileBuilder(chunkSize: 2, maxLinks: 3)
        builder.recordsBlocks = true
        builder.append(contentsOf: Array("abcdef".utf8))
        let (root, blocks) = builder.finishRecordingBlocks()
        let rootBlock = try #require(blocks.first { $0.cid == root })
        let goodNode = try #require(PBNode(decoding: rootBlock.bytes))
        #expect(goodNode.links.count == 3)

        // Re-encoding the decoded fields in canonical order gives the block back byte for byte…
        func encodeLink(_ link: PBNode.Link) -> [UInt8] {
            var writer = ProtoWriter()
            writer.bytes(1, link.hash)
            writer.bytes(2, link.name)
            writer.uint(3, link.tsize)
            return writer.output
        }
        var canonical = ProtoWriter()
        for link in goodNode.links { canonical.bytes(2, encodeLink(link)) }
        canonical.bytes(1, goodNode.data)
        #expect(canonical.output == rootBlock.bytes)
        // …while data before links (IPIP-550's order, not kubo's) is refused.
        var dataFirst = ProtoWriter()
        dataFirst.bytes(1, goodNode.data)
        for link in goodNode.links { dataFirst.bytes(2, encodeLink(link)) }
        #expect(PBNode(decoding: dataFirst.output) == nil)
        // A link without its (empty) Name is refused.
        var noName = ProtoWriter()
        noName.bytes(1, ContentID(rawBlock: [UInt8]()).bytes)
        noName.uint(3, 0)
        var node = ProtoWriter()
        node.bytes(2, noName.output)
        node.bytes(1, [0x08, 0x02, 0x18, 0x00, 0x20, 0x00])
        #expect(PBNode(decoding: node.output) == nil)
        // Packed blocksizes are refused.
        #expect(UnixFSData(decoding: [0x08, 0x02, 0x18, 0x04, 0x22, 0x02, 0x02, 0x02]) == nil)
        #expect(UnixFSData(decoding: [0x08, 0x02, 0x18, 0x04, 0x20, 0x02, 0x20, 0x02]) != nil)
    }

    // MARK: - Published vectors

    @Test("single-block vectors: empty input, \"Hello world\", kubo's \"hello world\"")
    func singleBlockVectors() {
        // The empty raw block is IPFS's well-known empty CID; "hello world" is `shortStringCidV1`
        // in kubo's test/cli/add_test.go (CIDv1, raw leaves).
        let vectors = [
            ("", "bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku"),
            ("Hello world", "bafkreide5semuafsnds3ugrvm6fbwuyw2ijpj43gwjdxemstjkfozi37hq"),
            ("hello world", "bafkreifzjut3te2nhyekklss27nh3k72ysco7y32koao5eei66wof36n5e"),
        ]
        for (text, expected) in vectors {
            #expect(UnixFSFileBuilder.contentID(of: Array(text.utf8)).string == expected)
            var builder = UnixFSFileBuilder()
            builder.append(contentsOf: Array(text.utf8))
            #expect(builder.byteCount == UInt64(text.utf8.count))
            #expect(builder.finish().string == expected)
        }
        // A whole single chunk is still just its raw block.
        let oneChunk = Self.sample[0..<chunk]
        #expect(UnixFSFileBuilder.contentID(of: Array(oneChunk)) == ContentID(rawBlock: Array(oneChunk)))
    }

    @Test("boxo vector: 3000 bytes of \"a\" with 1000-byte chunks (three raw leaves under one dag-pb root)")
    func boxoThreeChunkVector() {
        // boxo ipld/unixfs/io/profile_test.go, TestProfilePBNodeFieldOrderEndToEnd, profile
        // UnixFS_v1_2025 (CIDv1, raw leaves, links-first dag-pb): `bytes.Repeat("a", 3000)` with
        // `NewSizeSplitter(…, 1000)`, "match what `ipfs add --chunker=size-1000` produces". Three
        // chunks fit under any link limit, so 174 gives the same root as that profile's 1024.
        var builder = UnixFSFileBuilder(chunkSize: 1000, maxLinks: 174)
        builder.append(contentsOf: [UInt8](repeating: UInt8(ascii: "a"), count: 3000))
        #expect(builder.finish().string == "bafybeiapp6tzng2hpxzmopnplvg6hoxldufypompu6uzmhc6rdyw4m2qx4")
    }

    @Test("kubo vectors: 174 MiB (one full node) and 175 MiB (depth 2) of seeded ChaCha20 bytes, 1 MiB chunks, 174 links")
    func kuboTestCIDv1ProfileVectors() throws {
        // kubo test/cli/add_test.go, "ipfs init --profile=test-cid-v1 applies
        // UnixFSChunker=size-1048576": that profile is CIDv1 + raw leaves + sha2-256 + 1 MiB chunks +
        // 174 links (kubo config/profile.go), and `IPFSAddDeterministic("174MiB"/"175MiB", "v1-seed")`
        // gives the CIDs below. The bytes come from test/cli/testutils/random_deterministic.go:
        // the ChaCha20 (RFC 8439, zero 12-byte nonce, counter from 0) keystream keyed by
        // SHA-256(seed). Only the chunk size differs from kubo's defaults; the layout is the same.
        let mebibyte = 1 << 20
        let stream = try KuboDeterministicStream(count: 175 * mebibyte, seed: "v1-seed")
        var builder = UnixFSFileBuilder(chunkSize: mebibyte, maxLinks: 174)
        stream.feed(0..<(174 * mebibyte), to: &builder)
        let at174 = builder  // fork: finish one copy, keep streaming into the other
        stream.feed((174 * mebibyte)..<(175 * mebibyte), to: &builder)
        #expect(at174.finish().string == "bafybeigwduxcf2aawppv3isnfeshnimkyplvw3hthxjhr2bdeje4tdaicu")
        #expect(builder.finish().string == "bafybeidhd7lo2n2v7lta5yamob3xwhbxcczmmtmhquwhjesi35jntf7mpu")
    }

    // MARK: - Streaming

    @Test("random append sizes, including empty and chunk-straddling ones, give the one-append CID")
    func streamingIsSplitIndependent() {
        var generator = SplitMix64(seed: 7)
        let sizes = [0, 1, 2, 17, 1000, chunk - 1, chunk, chunk + 1, 65_536, 1 << 20]
        let content = Self.sample[0..<(5 * chunk + 12_345)]
        let expected = UnixFSFileBuilder.contentID(of: Array(content))
        for _ in 0..<8 {
            var builder = UnixFSFileBuilder()
            var offset = content.startIndex
            while offset < content.endIndex {
                let step = min(sizes[Int(generator.next() % UInt64(sizes.count))], content.endIndex - offset)
                builder.append(contentsOf: content[offset..<(offset + step)])
                offset += step
                #expect(builder.byteCount == UInt64(offset))
            }
            #expect(builder.finish() == expected)
        }
    }

    @Test("one-byte appends across a chunk boundary give the one-append CID")
    func oneByteAppends() {
        let content = Array(Self.sample[0..<(chunk + 1000)])
        var builder = UnixFSFileBuilder()
        content.withUnsafeBytes { raw in
            for index in raw.indices {
                builder.append(UnsafeRawBufferPointer(rebasing: raw[index..<(index + 1)]))
            }
        }
        #expect(builder.finish() == UnixFSFileBuilder.contentID(of: content))
    }

    @Test("tiny parameters: random splits of every size 0...200 match the reference")
    func streamingWithTinyParameters() {
        var generator = SplitMix64(seed: 11)
        let content = Self.sample[0..<200]
        for size in 0...200 {
            var reference = ReferenceUnixFSImporter(content: content[0..<size], chunkSize: 4, maxLinks: 3)
            var builder = UnixFSFileBuilder(chunkSize: 4, maxLinks: 3)
            var offset = 0
            while offset < size {
                let step = min(Int(generator.next() % 11), size - offset)
                builder.append(contentsOf: content[offset..<(offset + step)])
                offset += step
            }
            #expect(builder.finish().bytes == reference.rootCID(), "size \(size)")
        }
    }

    @Test("a copied builder is an independent fork")
    func copiesAreIndependent() {
        var first = UnixFSFileBuilder()
        first.append(contentsOf: Self.sample[0..<(chunk + 10)])
        var second = first
        second.append(contentsOf: Self.sample[(chunk + 10)..<(2 * chunk + 20)])
        #expect(first.byteCount == UInt64(chunk + 10))
        #expect(first.finish() == UnixFSFileBuilder.contentID(of: Array(Self.sample[0..<(chunk + 10)])))
        #expect(second.finish() == UnixFSFileBuilder.contentID(of: Array(Self.sample[0..<(2 * chunk + 20)])))
    }

    // MARK: - Helpers

    /// Builds `content` with recorded blocks and checks the decoded DAG.
    static func checkDecodedDAG(content: [UInt8], chunkSize: Int, maxLinks: Int) throws {
        var builder = UnixFSFileBuilder(chunkSize: chunkSize, maxLinks: maxLinks)
        builder.recordsBlocks = true
        builder.append(contentsOf: content)
        let (root, blocks) = builder.finishRecordingBlocks()
        let walk = try DAGWalk(root: root, blocks: blocks, chunkSize: chunkSize, maxLinks: maxLinks)
        let context = "chunk \(chunkSize), links \(maxLinks), size \(content.count)"
        #expect(walk.content == content, "\(context)")
        #expect(walk.blocksVisited == blocks.count, "every block made is in the DAG exactly once: \(context)")
        #expect(walk.fileSize == UInt64(content.count), "\(context)")
        // Balanced: all leaves at the root's depth; all leaves but the last are whole chunks.
        #expect(walk.leafDepths.allSatisfy { $0 == walk.depth }, "\(context)")
        #expect(walk.leafSizes.dropLast().allSatisfy { $0 == chunkSize }, "\(context)")
        // Minimal depth: the leaves would not fit one level lower.
        let leaves = walk.leafSizes.count
        #expect(leaves == max(1, (content.count + chunkSize - 1) / chunkSize), "\(context)")
        if walk.depth > 0 {
            #expect(leaves > Self.power(maxLinks, walk.depth - 1), "\(context)")
            #expect(leaves <= Self.power(maxLinks, walk.depth), "\(context)")
        }
    }

    static func power(_ base: Int, _ exponent: Int) -> Int {
        (0..<exponent).reduce(1) { result, _ in result * base }
    }

    static func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var out = [UInt8](repeating: 0, count: count)
        out.withUnsafeMutableBytes { raw in
            var index = 0
            while index + 8 <= count {
                raw.storeBytes(of: generator.next(), toByteOffset: index, as: UInt64.self)
                index += 8
            }
            let last = generator.next()
            for (shift, position) in (index..<count).enumerated() {
                raw[position] = UInt8(truncatingIfNeeded: last >> (8 * UInt64(shift)))
            }
        }
        return out
    }
}

// MARK: - Reference importer (from the specs, whole buffer, recursive)

/// A protobuf writer: each field is `varint(field << 3 | wire type)` then the value.
private struct ProtoWriter {
    private(set) var output: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var rest = value
        repeat {
            let low = UInt8(rest & 0x7F)
            rest >>= 7
            output.append(rest == 0 ? low : low | 0x80)
        } while rest != 0
    }

    /// Wire type 0.
    mutating func uint(_ field: UInt64, _ value: UInt64) {
        varint(field << 3)
        varint(value)
    }

    /// Wire type 2 (length-delimited).
    mutating func bytes(_ field: UInt64, _ value: [UInt8]) {
        varint(field << 3 | 2)
        varint(UInt64(value.count))
        output += value
    }
}

/// boxo's `balanced.Layout` over a whole buffer, written out again from its description:
/// the root starts as the first leaf; while data remains, a new root gets the old one as first
/// child and is filled up to `maxLinks` children, leaves at depth 1 and recursively filled nodes of
/// depth − 1 above. Nodes are dag-pb (links first, then data), links carry the child's binary CID,
/// an empty name and the cumulative size; the data is UnixFS `File` with filesize and one
/// blocksize per child.
private struct ReferenceUnixFSImporter {
    struct Child {
        var cid: [UInt8]
        var cumulativeSize: UInt64
        var fileSize: UInt64
    }

    let content: ArraySlice<UInt8>
    let chunkSize: Int
    let maxLinks: Int
    private var position: Int

    init(content: ArraySlice<UInt8>, chunkSize: Int, maxLinks: Int) {
        self.content = content
        self.chunkSize = chunkSize
        self.maxLinks = maxLinks
        self.position = content.startIndex
    }

    private var done: Bool { position >= content.endIndex }

    static func cid(codec: UInt8, block: [UInt8]) -> [UInt8] {
        [0x01, codec, 0x12, 0x20] + Array(SHA256.hash(data: block))
    }

    private mutating func nextLeaf() -> Child {
        let end = min(position + chunkSize, content.endIndex)
        let block = Array(content[position..<end])
        position = end
        return Child(cid: Self.cid(codec: 0x55, block: block), cumulativeSize: UInt64(block.count), fileSize: UInt64(block.count))
    }

    private func node(_ children: [Child]) -> Child {
        var data = ProtoWriter()
        data.uint(1, 2)  // Type = File
        data.uint(3, children.reduce(0) { $0 + $1.fileSize })
        for child in children {
            data.uint(4, child.fileSize)
        }
        var node = ProtoWriter()
        for child in children {
            var link = ProtoWriter()
            link.bytes(1, child.cid)
            link.bytes(2, [])
            link.uint(3, child.cumulativeSize)
            node.bytes(2, link.output)
        }
        node.bytes(1, data.output)
        let block = node.output
        return Child(
            cid: Self.cid(codec: 0x70, block: block),
            cumulativeSize: UInt64(block.count) + children.reduce(0) { $0 + $1.cumulativeSize },
            fileSize: children.reduce(0) { $0 + $1.fileSize })
    }

    private mutating func fill(_ children: inout [Child], depth: Int) {
        while children.count < maxLinks, !done {
            if depth == 1 {
                children.append(nextLeaf())
            } else {
                var grandchildren: [Child] = []
                fill(&grandchildren, depth: depth - 1)
                children.append(node(grandchildren))
            }
        }
    }

    /// The binary CID of the root.
    mutating func rootCID() -> [UInt8] {
        if done { return Self.cid(codec: 0x55, block: []) }
        var root = nextLeaf()
        var depth = 1
        while !done {
            var children = [root]
            fill(&children, depth: depth)
            root = node(children)
            depth += 1
        }
        return root.cid
    }
}

// MARK: - Decoder (hand-written protobuf reading)

/// One protobuf field as read: its number and either a varint or a length-delimited value.
private struct ProtoField {
    var number: UInt64
    var varint: UInt64?
    var bytes: [UInt8]?

    /// Reads a whole message; nil for truncation, wire types other than 0 and 2, or trailing junk.
    static func read(_ message: [UInt8]) -> [ProtoField]? {
        var fields: [ProtoField] = []
        var index = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while index < message.count, shift < 64 {
                let byte = message[index]
                index += 1
                value |= UInt64(byte & 0x7F) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
            return nil
        }
        while index < message.count {
            guard let key = varint() else { return nil }
            switch key & 7 {
            case 0:
                guard let value = varint() else { return nil }
                fields.append(ProtoField(number: key >> 3, varint: value))
            case 2:
                guard let length = varint(), length <= UInt64(message.count - index) else { return nil }
                fields.append(ProtoField(number: key >> 3, bytes: Array(message[index..<(index + Int(length))])))
                index += Int(length)
            default:
                return nil
            }
        }
        return fields
    }
}

/// A dag-pb node decoded strictly in canonical form: links (field 2) first, then one data
/// (field 1); each link exactly Hash (1), Name (2, present), Tsize (3) in that order.
private struct PBNode: Equatable {
    struct Link: Equatable {
        var hash: [UInt8]
        var name: [UInt8]
        var tsize: UInt64
    }

    var links: [Link]
    var data: [UInt8]

    init?(decoding block: [UInt8]) {
        guard let fields = ProtoField.read(block), let last = fields.last,
            last.number == 1, let data = last.bytes
        else { return nil }
        var links: [Link] = []
        for field in fields.dropLast() {
            guard field.number == 2, let linkBytes = field.bytes,
                let linkFields = ProtoField.read(linkBytes), linkFields.count == 3,
                linkFields[0].number == 1, let hash = linkFields[0].bytes,
                linkFields[1].number == 2, let name = linkFields[1].bytes,
                linkFields[2].number == 3, let tsize = linkFields[2].varint
            else { return nil }
            links.append(Link(hash: hash, name: name, tsize: tsize))
        }
        self.links = links
        self.data = data
    }
}

/// UnixFS `Data` of a file node: Type (1) = File, filesize (3), then unpacked blocksizes (4), and
/// nothing else (no inline data in internal nodes).
private struct UnixFSData: Equatable {
    var fileSize: UInt64
    var blockSizes: [UInt64]

    init?(decoding message: [UInt8]) {
        guard let fields = ProtoField.read(message), fields.count >= 2,
            fields[0].number == 1, fields[0].varint == 2,
            fields[1].number == 3, let fileSize = fields[1].varint
        else { return nil }
        var blockSizes: [UInt64] = []
        for field in fields.dropFirst(2) {
            guard field.number == 4, let size = field.varint else { return nil }
            blockSizes.append(size)
        }
        self.fileSize = fileSize
        self.blockSizes = blockSizes
    }
}

/// Walks a DAG from its root through the recorded blocks, checking each node as it goes.
private struct DAGWalk {
    var content: [UInt8] = []
    var leafDepths: [Int] = []
    var leafSizes: [Int] = []
    var blocksVisited = 0
    var depth = 0
    var fileSize: UInt64 = 0
    private let blocks: [[UInt8]: [UInt8]]
    private let maxLinks: Int

    init(root: ContentID, blocks: [UnixFSFileBuilder.Block], chunkSize: Int, maxLinks: Int) throws {
        self.blocks = Dictionary(blocks.map { ($0.cid.bytes, $0.bytes) }, uniquingKeysWith: { first, _ in first })
        self.maxLinks = maxLinks
        let (_, size, rootDepth) = try visit(root.bytes, depth: 0, rightmost: true, isRoot: true)
        fileSize = size
        depth = rootDepth
    }

    /// Returns the child's cumulative size, file size and height.
    private mutating func visit(_ cid: [UInt8], depth: Int, rightmost: Bool, isRoot: Bool) throws -> (UInt64, UInt64, Int) {
        blocksVisited += 1
        #expect(cid.count == 36)
        #expect(Array(cid.prefix(4)) == [0x01, cid[1], 0x12, 0x20])
        let block = try #require(blocks[cid], "block missing from the recorded set")
        #expect(Array(SHA256.hash(data: block)) == Array(cid.suffix(32)), "block does not hash to its CID")
        switch cid[1] {
        case 0x55:
            content += block
            leafDepths.append(depth)
            leafSizes.append(block.count)
            return (UInt64(block.count), UInt64(block.count), 0)
        case 0x70:
            let node = try #require(PBNode(decoding: block), "not a canonical dag-pb node")
            let unixfs = try #require(UnixFSData(decoding: node.data), "not a UnixFS file node without inline data")
            #expect(!node.links.isEmpty)
            #expect(node.links.count <= maxLinks)
            if isRoot { #expect(node.links.count >= 2, "a root never has a single child") }
            if !rightmost { #expect(node.links.count == maxLinks, "only the rightmost nodes may be partial") }
            #expect(unixfs.blockSizes.count == node.links.count)
            #expect(unixfs.blockSizes.reduce(0, +) == unixfs.fileSize)
            var cumulative = UInt64(block.count)
            var heights: Set<Int> = []
            for (index, link) in node.links.enumerated() {
                #expect(link.name.isEmpty)
                let (childCumulative, childFileSize, childHeight) = try visit(
                    link.hash, depth: depth + 1, rightmost: rightmost && index == node.links.count - 1, isRoot: false)
                #expect(link.tsize == childCumulative, "Tsize must be the child's cumulative DAG size")
                if index < unixfs.blockSizes.count {
                    #expect(unixfs.blockSizes[index] == childFileSize)
                }
                cumulative += link.tsize
                heights.insert(childHeight)
            }
            #expect(heights.count == 1, "children of one node have one height")
            return (cumulative, unixfs.fileSize, (heights.max() ?? 0) + 1)
        default:
            Issue.record("unexpected codec \(cid[1])")
            return (0, 0, 0)
        }
    }
}

// MARK: - Deterministic inputs

/// SplitMix64, a small seeded generator for reproducible test content and split sizes.
private struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The bytes kubo's test harness feeds `ipfs add` (`DeterministicRandomReaderBytes`): the ChaCha20
/// keystream (RFC 8439 block function, key SHA-256(seed), 12-byte zero nonce, block counter from
/// 0). The ChaCha20-Poly1305 AEAD encrypts with the same stream from block 1 on, so sealing zeros
/// gives everything but block 0, which ``block(key:counter:)`` computes (checked against block 1).
private struct KuboDeterministicStream {
    private let firstBlock: [UInt8]
    private let rest: Data

    init(count: Int, seed: String) throws {
        let key = Array(SHA256.hash(data: Array(seed.utf8)))
        let sealed = try ChaChaPoly.seal(
            Data(count: count - 64), using: SymmetricKey(data: key),
            nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)))
        firstBlock = Self.block(key: key, counter: 0)
        rest = sealed.ciphertext
        #expect(Self.block(key: key, counter: 1) == Array(rest.prefix(64)), "hand-written ChaCha20 block function")
    }

    /// Appends stream bytes `range` to `builder` straight from the stored buffers.
    func feed(_ range: Range<Int>, to builder: inout UnixFSFileBuilder) {
        if range.lowerBound < 64 {
            builder.append(contentsOf: firstBlock[range.lowerBound..<min(64, range.upperBound)])
        }
        let lower = max(range.lowerBound, 64) - 64
        let upper = range.upperBound - 64
        guard lower < upper else { return }
        rest.withUnsafeBytes { raw in
            builder.append(UnsafeRawBufferPointer(rebasing: raw[lower..<upper]))
        }
    }

    /// One 64-byte ChaCha20 block (RFC 8439 §2.3) with a zero nonce.
    static func block(key: [UInt8], counter: UInt32) -> [UInt8] {
        func word(_ offset: Int) -> UInt32 {
            (0..<4).reduce(UInt32(0)) { $0 | UInt32(key[offset + $1]) << (8 * UInt32($1)) }
        }
        let initial: [UInt32] = [0x6170_7865, 0x3320_646E, 0x7962_2D32, 0x6B20_6574]
            + (0..<8).map { word(4 * $0) } + [counter, 0, 0, 0]
        var state = initial
        func quarterRound(_ a: Int, _ b: Int, _ c: Int, _ d: Int) {
            state[a] &+= state[b]; state[d] ^= state[a]; state[d] = state[d] << 16 | state[d] >> 16
            state[c] &+= state[d]; state[b] ^= state[c]; state[b] = state[b] << 12 | state[b] >> 20
            state[a] &+= state[b]; state[d] ^= state[a]; state[d] = state[d] << 8 | state[d] >> 24
            state[c] &+= state[d]; state[b] ^= state[c]; state[b] = state[b] << 7 | state[b] >> 25
        }
        for _ in 0..<10 {
            quarterRound(0, 4, 8, 12); quarterRound(1, 5, 9, 13); quarterRound(2, 6, 10, 14); quarterRound(3, 7, 11, 15)
            quarterRound(0, 5, 10, 15); quarterRound(1, 6, 11, 12); quarterRound(2, 7, 8, 13); quarterRound(3, 4, 9, 14)
        }
        return zip(state, initial).flatMap { pair -> [UInt8] in
            let sum = pair.0 &+ pair.1
            return (0..<4).map { UInt8(truncatingIfNeeded: sum >> (8 * UInt32($0))) }
        }
    }
}
