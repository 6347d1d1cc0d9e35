import Testing

@testable import MedLedgerCore

@Suite("tile paths")
struct TilePathTests {
    @Test("indexes encode as 3-digit groups, all but the last prefixed with x",
          arguments: [
              (0, "000"), (5, "005"), (67, "067"), (999, "999"), (1000, "x001/000"), (1_234_067, "x001/x234/067"),
              (1_000_000, "x001/x000/000"), (UInt64.max, "x018/x446/x744/x073/x709/x551/615"),
          ] as [(UInt64, String)])
    func encodeIndex(index: UInt64, expected: String) {
        #expect(TileRequest.encodeIndex(index) == expected)
        #expect(TileRequest.decodeIndex(expected.split(separator: "/").map(String.init)) == index)
    }

    @Test("canonical tile paths parse",
          arguments: [
              ("0/x001/x234/067", TileRequest.hashes(level: 0, index: 1_234_067, width: 256)),
              ("0/000", .hashes(level: 0, index: 0, width: 256)),
              ("7/005.p/1", .hashes(level: 7, index: 5, width: 1)),
              ("1/x001/x234/067.p/255", .hashes(level: 1, index: 1_234_067, width: 255)),
              ("entries/005.p/7", .entries(index: 5, width: 7)),
              ("entries/x001/000", .entries(index: 1000, width: 256)),
              ("entries/x018/x446/x744/x073/x709/x551/615", .entries(index: .max, width: 256)),
          ])
    func parses(path: String, expected: TileRequest) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        #expect(TileRequest.parse(components) == expected)
        #expect(expected.path == path)
    }

    @Test("non-canonical or malformed tile paths are refused",
          arguments: [
              "0/x000/005", "0/5", "0/05", "0/0005", "0/005.p/0", "0/005.p/256", "0/005.p/007", "0/005.p/+7",
              "0/005.p/-1", "01/000", "8/000", "-1/000", "+1/000", "a/000", "entries", "0", "", "0/", "0/005/",
              "0/005.p", "0/005.p/", "0/x1/000", "0/001/000", "0/x001", "0/00a", "0/x001.p/5", "0/005/extra",
              "0/005.p/7/8", "0/.p/5", "entry/000", "Entries/000",
              "0/x018/x446/x744/x073/x709/x551/616", "0/x999/x999/x999/x999/x999/x999/999",
              "0/x000/x001/x002/x003/x004/x005/x006/007",
          ])
    func refuses(path: String) {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        #expect(TileRequest.parse(components) == nil)
    }

    @Test("every path produced by a tile parses back to that tile")
    func pathRoundTrip() {
        var tiles: [TileRequest] = []
        for index in [0, 1, 999, 1000, 1001, 65_536, 123_456_789, UInt64.max / 256, UInt64.max] as [UInt64] {
            for width in [1, 17, 255, 256] {
                tiles.append(.entries(index: index, width: width))
                for level in [0, 3, 7] { tiles.append(.hashes(level: level, index: index, width: width)) }
            }
        }
        for tile in tiles {
            #expect(TileRequest.parse(tile.path.split(separator: "/", omittingEmptySubsequences: false)) == tile, "\(tile.path)")
        }
    }

    @Test("only width 256 is a full tile")
    func fullness() {
        #expect(TileRequest.hashes(level: 0, index: 0, width: 256).isFull)
        #expect(!TileRequest.hashes(level: 0, index: 0, width: 255).isFull)
        #expect(TileRequest.entries(index: 3, width: 256).isFull)
        #expect(!TileRequest.entries(index: 3, width: 1).isFull)
    }
}

@Suite("tile contents and availability")
struct TileContentTests {
    @Test("a level-1 tile holds tree level 8 nodes N*256 ..< N*256+W")
    func levelOneNodeIDs() {
        let tile = TileRequest.hashes(level: 1, index: 2, width: 3)
        #expect(tile.nodeIDs == [
            TreeNodeID(level: 8, index: 512), TreeNodeID(level: 8, index: 513), TreeNodeID(level: 8, index: 514),
        ])
        // Node 512 at level 8 covers leaves 131072 ..< 131328.
        #expect(tile.nodeIDs[0].leaves == 131_072..<131_328)
    }

    @Test("level-0 and level-2 tiles name the right tree levels; entry bundles name no nodes")
    func otherLevels() {
        let level0 = TileRequest.hashes(level: 0, index: 1, width: 256).nodeIDs
        #expect(level0.count == 256)
        #expect(level0.first == TreeNodeID(level: 0, index: 256))
        #expect(level0.last == TreeNodeID(level: 0, index: 511))
        #expect(TileRequest.hashes(level: 2, index: 0, width: 1).nodeIDs == [TreeNodeID(level: 16, index: 0)])
        #expect(TileRequest.entries(index: 0, width: 256).nodeIDs.isEmpty)
    }

    @Test("entry bundles cover entries N*256 ..< N*256+W")
    func entryRange() {
        #expect(TileRequest.entries(index: 0, width: 256).indexes == 0..<256)
        #expect(TileRequest.entries(index: 2, width: 5).indexes == 512..<517)
    }

    @Test("availability at specific tree sizes",
          arguments: [
              (TileRequest.hashes(level: 0, index: 0, width: 256), 255, false),
              (.hashes(level: 0, index: 0, width: 256), 256, true),
              (.hashes(level: 0, index: 0, width: 5), 4, false),
              (.hashes(level: 0, index: 0, width: 5), 5, true),
              (.hashes(level: 0, index: 0, width: 5), 1000, true),
              (.hashes(level: 0, index: 1, width: 256), 511, false),
              (.hashes(level: 0, index: 1, width: 256), 512, true),
              (.hashes(level: 0, index: 2, width: 10), 521, false),
              (.hashes(level: 0, index: 2, width: 10), 522, true),
              (.hashes(level: 1, index: 0, width: 256), 65_535, false),
              (.hashes(level: 1, index: 0, width: 256), 65_536, true),
              (.hashes(level: 1, index: 0, width: 3), 767, false),
              (.hashes(level: 1, index: 0, width: 3), 768, true),
              (.hashes(level: 2, index: 0, width: 1), 65_535, false),
              (.hashes(level: 2, index: 0, width: 1), 65_536, true),
              (.hashes(level: 7, index: 0, width: 255), .max, true),
              (.hashes(level: 7, index: 0, width: 256), .max, false),
              (.hashes(level: 0, index: UInt64.max / 256 + 1, width: 1), .max, false),
              (.entries(index: 0, width: 256), 255, false),
              (.entries(index: 0, width: 256), 256, true),
              (.entries(index: 1, width: 7), 262, false),
              (.entries(index: 1, width: 7), 263, true),
              (.entries(index: 0, width: 1), 0, false),
              (.entries(index: .max, width: 1), .max, false),
          ] as [(TileRequest, UInt64, Bool)])
    func availability(tile: TileRequest, size: UInt64, expected: Bool) {
        #expect(tile.isAvailable(treeSize: size) == expected)
    }

    @Test("a hash tile is available exactly when every node it names is a complete subtree of the tree")
    func availabilityMatchesNodeCoverage() {
        for size in [0, 1, 255, 256, 257, 300, 511, 512, 700, 65_535, 65_536, 65_537, 200_000] as [UInt64] {
            for level in 0...2 {
                for index in UInt64(0)...3 {
                    for width in [1, 2, 100, 255, 256] {
                        let tile = TileRequest.hashes(level: level, index: index, width: width)
                        let covered = tile.nodeIDs.allSatisfy { $0.leaves.upperBound <= size }
                        #expect(tile.isAvailable(treeSize: size) == covered, "\(tile.path) at size \(size)")
                    }
                }
            }
            for index in UInt64(0)...3 {
                for width in [1, 255, 256] {
                    let tile = TileRequest.entries(index: index, width: width)
                    #expect(tile.isAvailable(treeSize: size) == (tile.indexes.upperBound <= size), "\(tile.path) at size \(size)")
                }
            }
        }
    }

    @Test("the largest parsable full hash tile can be checked for availability without trapping")
    func availabilityOfLastTileDoesNotTrap() async {
        // `tile/0/x072/x057/x594/x037/x927/935` parses to index UInt64.max / 256 with width 256; computing
        // index * 256 + 256 must not overflow. The check runs in a child process so a trap fails only this test.
        #expect(TileRequest.parse(["0", "x072", "x057", "x594", "x037", "x927", "935"])
            == .hashes(level: 0, index: UInt64.max / 256, width: 256))
        await #expect(processExitsWith: .success) {
            let tile = TileRequest.parse(["0", "x072", "x057", "x594", "x037", "x927", "935"])!
            precondition(!tile.isAvailable(treeSize: 1000))
        }
        await #expect(processExitsWith: .success) {
            let tile = TileRequest.parse(["entries", "x072", "x057", "x594", "x037", "x927", "935"])!
            precondition(!tile.isAvailable(treeSize: 1000))
        }
    }
}

@Suite("entry bundles")
struct EntryBundleTests {
    @Test("bundles prefix each entry with its 16-bit big-endian length")
    func knownBytes() {
        #expect(TileRequest.bundle([[1, 2, 3], [], [0xFF]]) == [0x00, 0x03, 1, 2, 3, 0x00, 0x00, 0x00, 0x01, 0xFF])
        #expect(TileRequest.bundle([]) == [])
        let long = [UInt8](repeating: 0x5A, count: 0x1234)
        #expect(Array(TileRequest.bundle([long]).prefix(2)) == [0x12, 0x34])
    }

    @Test("bundle then unbundle returns the same entries, including empty and maximum-length ones")
    func roundTrip() {
        let entries: [[UInt8]] = [
            [], [0], Array("hello".utf8), [UInt8](repeating: 7, count: 255), [UInt8](repeating: 8, count: 256),
            [UInt8](repeating: 9, count: 65_535), [],
        ]
        #expect(TileRequest.unbundle(TileRequest.bundle(entries)) == entries)
        #expect(TileRequest.unbundle([]) == [])
    }

    @Test("malformed bundles are refused",
          arguments: [[0x00], [0x00, 0x05, 1, 2], [0x00, 0x01], [0x00, 0x01, 0xAA, 0x00], [0xFF, 0xFF, 0x00]] as [[UInt8]])
    func malformed(bytes: [UInt8]) {
        #expect(TileRequest.unbundle(bytes) == nil)
    }
}
