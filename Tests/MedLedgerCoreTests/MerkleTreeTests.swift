import Crypto
import Testing

@testable import MedLedgerCore

/// The eight leaves of the Certificate Transparency reference test data (RFC 6962 test vectors).
let rfcLeaves: [[UInt8]] = [
    [],
    hexBytes("00"),
    hexBytes("10"),
    hexBytes("2021"),
    hexBytes("3031"),
    hexBytes("40414243"),
    hexBytes("5051525354555657"),
    hexBytes("606162636465666768696a6b6c6d6e6f"),
]

/// Expected roots for the first 1...8 leaves.
let rfcRoots: [String] = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

@Suite("TreeHash and the RFC 6962 test vectors")
struct TreeHashVectorTests {
    @Test("the empty tree hash is SHA-256 of no bytes")
    func emptyTreeHash() {
        #expect(TreeHash.empty.description == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(MerkleFrontier().root == TreeHash.empty)
        #expect(MerkleMath.fold([]) == TreeHash.empty)
    }

    @Test("leaf and interior hashes use the 0x00 and 0x01 domain-separation prefixes")
    func domainSeparation() {
        let entry: [UInt8] = [1, 2, 3]
        #expect(TreeHash.leaf(entry).bytes == ReferenceMerkleTree.sha256([0x00, 1, 2, 3]))
        let a = TreeHash.leaf([UInt8]([0xAA]))
        let b = TreeHash.leaf([UInt8]([0xBB]))
        #expect(TreeHash.interior(a, b).bytes == ReferenceMerkleTree.sha256([0x01] + a.bytes + b.bytes))
        #expect(TreeHash.interior(a, b) != TreeHash.interior(b, a))
        // An interior node's preimage is never hashed as a leaf.
        #expect(TreeHash.leaf(a.bytes + b.bytes) != TreeHash.interior(a, b))
    }

    @Test("TreeHash accepts exactly 32 bytes")
    func treeHashLength() {
        #expect(TreeHash([UInt8](repeating: 7, count: 32)) != nil)
        #expect(TreeHash([UInt8](repeating: 7, count: 31)) == nil)
        #expect(TreeHash([UInt8](repeating: 7, count: 33)) == nil)
        #expect(TreeHash([]) == nil)
    }

    @Test("the frontier reproduces the RFC 6962 roots for sizes 1 through 8", arguments: 1...8)
    func rfcRootVectors(size: Int) {
        var frontier = MerkleFrontier()
        for entry in rfcLeaves.prefix(size) {
            frontier.append(.leaf(entry))
        }
        #expect(frontier.size == UInt64(size))
        #expect(frontier.root.description == rfcRoots[size - 1])
    }

    @Test("the brute-force reference agrees with the RFC 6962 vectors, so it can be trusted as an oracle")
    func referenceMatchesVectors() {
        let reference = ReferenceMerkleTree(entries: rfcLeaves)
        for size in 1...8 {
            #expect(Hex.encode(reference.root(size: size)) == rfcRoots[size - 1], "size \(size)")
        }
        #expect(Hex.encode(reference.root(size: 0)) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}

@Suite("MerkleMath index arithmetic")
struct MerkleMathTests {
    @Test("split is the largest power of two strictly below n",
          arguments: [(2, 1), (3, 2), (4, 2), (5, 4), (7, 4), (8, 4), (9, 8), (1024, 512), (1025, 1024)] as [(UInt64, UInt64)])
    func split(n: UInt64, expected: UInt64) {
        #expect(MerkleMath.split(n) == expected)
    }

    @Test("split agrees with the reference definition for every n up to 5000")
    func splitExhaustive() {
        for n in 2...5000 {
            #expect(MerkleMath.split(UInt64(n)) == UInt64(ReferenceMerkleTree.largestPowerOfTwoBelow(n)), "n = \(n)")
        }
        #expect(MerkleMath.split(UInt64(1) << 63 + 1) == UInt64(1) << 63)
        #expect(MerkleMath.split(UInt64.max) == UInt64(1) << 63)
    }

    @Test("root nodes are the binary decomposition of the size, largest subtree first")
    func rootNodes() {
        #expect(MerkleMath.rootNodes(size: 0).isEmpty)
        #expect(MerkleMath.rootNodes(size: 1) == [TreeNodeID(level: 0, index: 0)])
        #expect(MerkleMath.rootNodes(size: 8) == [TreeNodeID(level: 3, index: 0)])
        #expect(MerkleMath.rootNodes(size: 13) == [
            TreeNodeID(level: 3, index: 0), TreeNodeID(level: 2, index: 2), TreeNodeID(level: 0, index: 12),
        ])
        #expect(MerkleMath.rootNodes(size: 7) == [
            TreeNodeID(level: 2, index: 0), TreeNodeID(level: 1, index: 2), TreeNodeID(level: 0, index: 6),
        ])
    }

    @Test("decompose covers the range contiguously with perfect subtrees")
    func decomposeCoversRange() {
        #expect(MerkleMath.decompose(4..<7) == [TreeNodeID(level: 1, index: 2), TreeNodeID(level: 0, index: 6)])
        #expect(MerkleMath.decompose(16..<32) == [TreeNodeID(level: 4, index: 1)])
        #expect(MerkleMath.decompose(5..<5).isEmpty)
        for size in UInt64(0)...300 {
            let ids = MerkleMath.rootNodes(size: size)
            var next: UInt64 = 0
            for id in ids {
                #expect(id.leaves.lowerBound == next, "size \(size)")
                next = id.leaves.upperBound
            }
            #expect(next == size)
            #expect(ids.map(\.level) == ids.map(\.level).sorted(by: >), "largest first at size \(size)")
            #expect(ids.count == size.nonzeroBitCount)
        }
    }

    @Test("a node address names the leaves it covers")
    func nodeLeaves() {
        #expect(TreeNodeID(level: 0, index: 9).leaves == 9..<10)
        #expect(TreeNodeID(level: 3, index: 2).leaves == 16..<24)
        #expect(TreeNodeID(level: 8, index: 1).leaves == 256..<512)
    }

    @Test("fold of the decomposition of any root-aligned range equals its brute-force hash")
    func foldMatchesReference() {
        let reference = ReferenceMerkleTree(count: 130)
        let store = reference.perfectSubtreeStore(size: 130)
        // Every range the RFC recursion can produce: start aligned to the largest power of two <= length.
        var checked = 0
        for start in 0..<130 {
            for end in (start + 1)...130 {
                let length = end - start
                let aligned = 1 << (Int.bitWidth - 1 - length.leadingZeroBitCount)
                guard start % aligned == 0 else { continue }
                let hashes = MerkleMath.decompose(UInt64(start)..<UInt64(end)).map { store[$0]! }
                #expect(MerkleMath.fold(hashes).bytes == reference.mth(start..<end), "range \(start)..<\(end)")
                checked += 1
            }
        }
        #expect(checked > 700)
    }
}

@Suite("MerkleFrontier")
struct MerkleFrontierTests {
    static let largeSizes: Set<Int> = [1000, 1023, 1024, 1025, 4097]

    @Test("the root equals the brute-force MTH at every size 0...300 and at 1000, 1023, 1024, 1025, 4097")
    func rootMatchesReference() {
        let reference = ReferenceMerkleTree(count: 4097)
        var frontier = MerkleFrontier()
        var mismatches: [Int] = []
        var checked = 0
        for size in 0...4097 {
            if size <= 300 || Self.largeSizes.contains(size) {
                checked += 1
                if frontier.root.bytes != reference.root(size: size) || frontier.size != UInt64(size) {
                    mismatches.append(size)
                }
            }
            if size < 4097 { frontier.append(.leaf(reference.entries[size])) }
        }
        #expect(checked == 301 + Self.largeSizes.count)
        #expect(mismatches.isEmpty, "roots differ at sizes \(mismatches.prefix(20))")
    }

    @Test("append reports exactly the perfect subtrees each leaf completes, with their correct hashes")
    func completedNodesAreExactlyTheNewPerfectSubtrees() {
        let count = 1100
        let reference = ReferenceMerkleTree(count: count)
        var frontier = MerkleFrontier()
        var reported: Set<TreeNodeID> = []
        var problems: [String] = []
        for index in 0..<count {
            let completed = frontier.append(.leaf(reference.entries[index]))
            // Independently: after leaf `index`, the subtree of 2^l leaves ending at index+1 is complete
            // for every l >= 1 with 2^l dividing index+1.
            var expected: [TreeNodeID] = []
            var level = 1
            while (index + 1) % (1 << level) == 0 {
                expected.append(TreeNodeID(level: level, index: UInt64((index + 1) >> level - 1)))
                level += 1
            }
            if completed.map(\.id) != expected {
                problems.append("leaf \(index): got \(completed.map(\.id)), expected \(expected)")
            }
            for node in completed {
                let range = Int(node.id.leaves.lowerBound)..<Int(node.id.leaves.upperBound)
                if node.hash.bytes != reference.mth(range) { problems.append("wrong hash for \(node.id)") }
                if !reported.insert(node.id).inserted { problems.append("\(node.id) reported twice") }
            }
        }
        #expect(problems.isEmpty, "\(problems.prefix(10))")
        // Every perfect subtree above level 0 within 1100 leaves is reported exactly once overall.
        let allPerfect = reference.perfectSubtreeStore(size: count).keys.filter { $0.level > 0 }
        #expect(reported == Set(allPerfect))
    }

    @Test("the frontier's hashes are the brute-force hashes of rootNodes(size:)")
    func frontierHashesAreRootNodes() {
        let reference = ReferenceMerkleTree(count: 300)
        var frontier = MerkleFrontier()
        for size in 0...300 {
            let expected = MerkleMath.rootNodes(size: UInt64(size)).map { id in
                reference.mth(Int(id.leaves.lowerBound)..<Int(id.leaves.upperBound))
            }
            #expect(frontier.hashes.map(\.bytes) == expected, "size \(size)")
            if size < 300 { frontier.append(.leaf(reference.entries[size])) }
        }
    }

    @Test("a frontier rebuilt from stored root nodes equals the appended one and keeps growing identically",
          arguments: [0, 1, 2, 3, 7, 8, 13, 64, 255, 256, 257, 511, 1000])
    func rebuiltFrontierContinuesIdentically(size: Int) throws {
        let reference = ReferenceMerkleTree(count: size + 300)
        let store = reference.perfectSubtreeStore(size: size + 300)
        var appended = MerkleFrontier()
        for index in 0..<size { appended.append(.leaf(reference.entries[index])) }

        let stored = MerkleMath.rootNodes(size: UInt64(size)).map { store[$0]! }
        var rebuilt = try #require(MerkleFrontier(size: UInt64(size), hashes: stored))
        #expect(rebuilt == appended)
        #expect(rebuilt.root.bytes == reference.root(size: size))

        for index in size..<(size + 300) {
            let leaf = TreeHash.leaf(reference.entries[index])
            let fromRebuilt = rebuilt.append(leaf)
            let fromAppended = appended.append(leaf)
            #expect(fromRebuilt == fromAppended, "completed nodes differ after leaf \(index)")
            for node in fromRebuilt {
                #expect(store[node.id] == node.hash, "\(node.id)")
            }
        }
        #expect(rebuilt == appended)
        #expect(rebuilt.root.bytes == reference.root(size: size + 300))
    }

    @Test("rebuilding refuses a hash count that does not match the size")
    func rebuildRejectsWrongCount() {
        let hash = TreeHash.leaf([UInt8]([1]))
        #expect(MerkleFrontier(size: 0, hashes: [hash]) == nil)
        #expect(MerkleFrontier(size: 1, hashes: []) == nil)
        #expect(MerkleFrontier(size: 3, hashes: [hash]) == nil)
        #expect(MerkleFrontier(size: 4, hashes: [hash, hash]) == nil)
        #expect(MerkleFrontier(size: 3, hashes: [hash, hash]) != nil)
        #expect(MerkleFrontier(size: 0, hashes: []) == MerkleFrontier())
    }
}
