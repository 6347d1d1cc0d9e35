import Testing

@testable import MedLedgerCore

@Suite("Merkle inclusion proofs")
struct InclusionProofTests {
    @Test("the RFC 6962 inclusion vector for leaf 0 of 8 is built and verified")
    func rfcInclusionVector() throws {
        let reference = ReferenceMerkleTree(entries: rfcLeaves)
        let store = reference.perfectSubtreeStore(size: 8)
        let expected = [
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
        #expect(reference.path(index: 0, size: 8).map { Hex.encode($0) } == expected)
        let proof = try #require(proofFromStore(MerkleMath.inclusionRanges(index: 0, size: 8), store: store))
        #expect(proof.map(\.description) == expected)
        #expect(MerkleProofVerifier.verifyInclusion(
            leaf: .leaf(rfcLeaves[0]), index: 0, size: 8, proof: proof, root: treeHash(rfcRoots[7])))
    }

    @Test("further CT reference inclusion vectors verify",
          arguments: [
              (5, 8, [
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
              ]),
              (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
              (1, 5, [
                  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              ]),
              (0, 1, []),
          ] as [(Int, Int, [String])])
    func moreInclusionVectors(index: Int, size: Int, path: [String]) throws {
        let reference = ReferenceMerkleTree(entries: rfcLeaves)
        #expect(reference.path(index: index, size: size).map { Hex.encode($0) } == path)
        let store = reference.perfectSubtreeStore(size: 8)
        let proof = try #require(proofFromStore(
            MerkleMath.inclusionRanges(index: UInt64(index), size: UInt64(size)), store: store))
        #expect(proof.map(\.description) == path)
        #expect(MerkleProofVerifier.verifyInclusion(
            leaf: .leaf(rfcLeaves[index]), index: UInt64(index), size: UInt64(size), proof: proof,
            root: treeHash(rfcRoots[size - 1])))
    }

    @Test("for every (index, size) with size <= 260 the store-built proof equals PATH and verifies")
    func exhaustiveInclusion() {
        let maxSize = 260
        let reference = ReferenceMerkleTree(count: maxSize)
        let store = reference.perfectSubtreeStore(size: maxSize)
        var problems: [String] = []
        var count = 0
        for size in 1...maxSize {
            let root = TreeHash(reference.root(size: size))!
            for index in 0..<size {
                count += 1
                let ranges = MerkleMath.inclusionRanges(index: UInt64(index), size: UInt64(size))
                guard let proof = proofFromStore(ranges, store: store) else {
                    problems.append("(\(index), \(size)): a range names a node the store does not have")
                    continue
                }
                if proof.map(\.bytes) != reference.path(index: index, size: size) {
                    problems.append("(\(index), \(size)): proof differs from PATH")
                }
                let leaf = TreeHash.leaf(reference.entries[index])
                if !MerkleProofVerifier.verifyInclusion(leaf: leaf, index: UInt64(index), size: UInt64(size), proof: proof, root: root) {
                    problems.append("(\(index), \(size)): valid proof rejected")
                }
            }
        }
        #expect(count == maxSize * (maxSize + 1) / 2)
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))")
    }

    @Test("inclusion ranges are nearest-the-leaf first and never contain the leaf")
    func rangesShape() {
        #expect(MerkleMath.inclusionRanges(index: 0, size: 1).isEmpty)
        #expect(MerkleMath.inclusionRanges(index: 2, size: 7) == [3..<4, 0..<2, 4..<7])
        #expect(MerkleMath.inclusionRanges(index: 6, size: 7) == [4..<6, 0..<4])
        for size in UInt64(1)...64 {
            for index in 0..<size {
                let ranges = MerkleMath.inclusionRanges(index: index, size: size)
                #expect(ranges.allSatisfy { !$0.contains(index) })
                #expect(ranges.map(\.count).reduce(0, +) == Int(size) - 1, "(\(index), \(size)) ranges must partition the other leaves")
            }
        }
    }

    @Test("tampered inclusion proofs fail: flipped bits, wrong index, wrong size, truncation, extension, wrong leaf")
    func negativeInclusion() {
        let maxSize = 70
        let reference = ReferenceMerkleTree(count: maxSize + 1)
        let store = reference.perfectSubtreeStore(size: maxSize + 1)
        var problems: [String] = []
        for size in 1...maxSize {
            let root = TreeHash(reference.root(size: size))!
            for index in 0..<size {
                let i = UInt64(index), n = UInt64(size)
                let leaf = TreeHash.leaf(reference.entries[index])
                let proof = proofFromStore(MerkleMath.inclusionRanges(index: i, size: n), store: store)!
                func accepts(_ leaf: TreeHash, _ index: UInt64, _ size: UInt64, _ proof: [TreeHash], _ root: TreeHash) -> Bool {
                    MerkleProofVerifier.verifyInclusion(leaf: leaf, index: index, size: size, proof: proof, root: root)
                }
                // A flipped bit anywhere in any element.
                for position in proof.indices {
                    for bit in [0, 77, 255] {
                        var bad = proof
                        bad[position] = flippingBit(bit, of: bad[position])
                        if accepts(leaf, i, n, bad, root) { problems.append("flipped bit \(bit) of element \(position) at (\(index), \(size))") }
                    }
                }
                // Flipped bits in the leaf and the root.
                if accepts(flippingBit(3, of: leaf), i, n, proof, root) { problems.append("wrong leaf at (\(index), \(size))") }
                if accepts(leaf, i, n, proof, flippingBit(200, of: root)) { problems.append("wrong root at (\(index), \(size))") }
                // Every other index in the tree.
                for other in 0..<size where other != index {
                    if accepts(leaf, UInt64(other), n, proof, root) { problems.append("index \(other) accepted for (\(index), \(size))") }
                }
                // Index out of range.
                if accepts(leaf, n, n, proof, root) { problems.append("index == size accepted at size \(size)") }
                // Other sizes: with that size's own root the proof never verifies; with the true root it
                // must fail whenever the audit path for the claimed size has a different length.
                for otherSize in max(index + 1, size - 3)...(size + 3) where otherSize != size && otherSize <= maxSize + 1 {
                    let otherRoot = TreeHash(reference.root(size: otherSize))!
                    if accepts(leaf, i, UInt64(otherSize), proof, otherRoot) {
                        problems.append("size \(otherSize) with its root accepted for (\(index), \(size))")
                    }
                    let otherLength = MerkleMath.inclusionRanges(index: i, size: UInt64(otherSize)).count
                    if otherLength != proof.count && accepts(leaf, i, UInt64(otherSize), proof, root) {
                        problems.append("size \(otherSize) accepted for (\(index), \(size))")
                    }
                }
                if accepts(leaf, i, 0, proof, root) { problems.append("size 0 accepted") }
                // Truncated and extended proofs.
                if !proof.isEmpty && accepts(leaf, i, n, Array(proof.dropLast()), root) { problems.append("truncated accepted at (\(index), \(size))") }
                if !proof.isEmpty && accepts(leaf, i, n, Array(proof.dropFirst()), root) { problems.append("head-dropped accepted at (\(index), \(size))") }
                if accepts(leaf, i, n, proof + [root], root) { problems.append("extended accepted at (\(index), \(size))") }
                if accepts(leaf, i, n, proof + [leaf], root) { problems.append("extended accepted at (\(index), \(size))") }
                // Reordered elements.
                if proof.count >= 2 && proof.first != proof.last && accepts(leaf, i, n, proof.reversed(), root) {
                    problems.append("reversed accepted at (\(index), \(size))")
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))")
    }

    @Test("rootFromInclusion returns nil for proofs of the wrong length and the root otherwise")
    func rootFromInclusionShape() {
        let reference = ReferenceMerkleTree(count: 10)
        let store = reference.perfectSubtreeStore(size: 10)
        let proof = proofFromStore(MerkleMath.inclusionRanges(index: 4, size: 10), store: store)!
        let leaf = TreeHash.leaf(reference.entries[4])
        #expect(MerkleProofVerifier.rootFromInclusion(leaf: leaf, index: 4, size: 10, proof: proof)?.bytes == reference.root(size: 10))
        #expect(MerkleProofVerifier.rootFromInclusion(leaf: leaf, index: 4, size: 10, proof: Array(proof.dropLast())) == nil)
        #expect(MerkleProofVerifier.rootFromInclusion(leaf: leaf, index: 4, size: 10, proof: proof + [leaf]) == nil)
        #expect(MerkleProofVerifier.rootFromInclusion(leaf: leaf, index: 10, size: 10, proof: proof) == nil)
        #expect(MerkleProofVerifier.rootFromInclusion(leaf: leaf, index: 0, size: 1, proof: []) == leaf)
    }
}

@Suite("Merkle consistency proofs")
struct ConsistencyProofTests {
    @Test("the RFC 6962 consistency vectors are built and verified",
          arguments: [
              (1, 8, [
                  "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
              ]),
              (6, 8, [
                  "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                  "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
              ]),
              (2, 5, [
                  "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                  "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
              ]),
          ] as [(Int, Int, [String])])
    func rfcConsistencyVectors(oldSize: Int, newSize: Int, expected: [String]) throws {
        let reference = ReferenceMerkleTree(entries: rfcLeaves)
        #expect(reference.consistencyProof(oldSize: oldSize, newSize: newSize).map { Hex.encode($0) } == expected)
        let store = reference.perfectSubtreeStore(size: 8)
        let ranges = MerkleMath.consistencyRanges(oldSize: UInt64(oldSize), newSize: UInt64(newSize))
        let proof = try #require(proofFromStore(ranges, store: store))
        #expect(proof.map(\.description) == expected)
        #expect(MerkleProofVerifier.verifyConsistency(
            oldSize: UInt64(oldSize), newSize: UInt64(newSize),
            oldRoot: treeHash(rfcRoots[oldSize - 1]), newRoot: treeHash(rfcRoots[newSize - 1]), proof: proof))
    }

    @Test("for every 1 <= old <= new <= 200 the store-built proof equals PROOF and verifies")
    func exhaustiveConsistency() {
        let maxSize = 200
        let reference = ReferenceMerkleTree(count: maxSize)
        let store = reference.perfectSubtreeStore(size: maxSize)
        let roots = (0...maxSize).map { TreeHash(reference.root(size: $0))! }
        var problems: [String] = []
        var count = 0
        for newSize in 1...maxSize {
            for oldSize in 1...newSize {
                count += 1
                let ranges = MerkleMath.consistencyRanges(oldSize: UInt64(oldSize), newSize: UInt64(newSize))
                guard let proof = proofFromStore(ranges, store: store) else {
                    problems.append("(\(oldSize), \(newSize)): a range names a node the store does not have")
                    continue
                }
                if proof.map(\.bytes) != reference.consistencyProof(oldSize: oldSize, newSize: newSize) {
                    problems.append("(\(oldSize), \(newSize)): proof differs from PROOF")
                }
                if !MerkleProofVerifier.verifyConsistency(
                    oldSize: UInt64(oldSize), newSize: UInt64(newSize), oldRoot: roots[oldSize], newRoot: roots[newSize], proof: proof)
                {
                    problems.append("(\(oldSize), \(newSize)): valid proof rejected")
                }
            }
        }
        #expect(count == maxSize * (maxSize + 1) / 2)
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))")
    }

    @Test("tampered consistency proofs fail: flipped bits, wrong sizes, swapped or wrong roots, truncation, extension")
    func negativeConsistency() {
        let maxSize = 64
        let reference = ReferenceMerkleTree(count: maxSize + 1)
        let store = reference.perfectSubtreeStore(size: maxSize + 1)
        let roots = (0...(maxSize + 1)).map { TreeHash(reference.root(size: $0))! }
        var problems: [String] = []
        for newSize in 2...maxSize {
            for oldSize in 1..<newSize {
                let m = UInt64(oldSize), n = UInt64(newSize)
                let proof = proofFromStore(MerkleMath.consistencyRanges(oldSize: m, newSize: n), store: store)!
                func accepts(_ m: UInt64, _ n: UInt64, _ old: TreeHash, _ new: TreeHash, _ proof: [TreeHash]) -> Bool {
                    MerkleProofVerifier.verifyConsistency(oldSize: m, newSize: n, oldRoot: old, newRoot: new, proof: proof)
                }
                let label = "(\(oldSize), \(newSize))"
                for position in proof.indices {
                    for bit in [0, 130, 255] {
                        var bad = proof
                        bad[position] = flippingBit(bit, of: bad[position])
                        if accepts(m, n, roots[oldSize], roots[newSize], bad) { problems.append("flipped element \(position) at \(label)") }
                    }
                }
                if accepts(m, n, roots[newSize], roots[oldSize], proof) { problems.append("swapped roots at \(label)") }
                if accepts(m, n, flippingBit(9, of: roots[oldSize]), roots[newSize], proof) { problems.append("wrong old root at \(label)") }
                if accepts(m, n, roots[oldSize], flippingBit(9, of: roots[newSize]), proof) { problems.append("wrong new root at \(label)") }
                if accepts(n, m, roots[newSize], roots[oldSize], proof) { problems.append("sizes swapped at \(label)") }
                if accepts(m, n, roots[oldSize], roots[newSize], Array(proof.dropLast())) { problems.append("truncated at \(label)") }
                if accepts(m, n, roots[oldSize], roots[newSize], Array(proof.dropFirst())) { problems.append("head dropped at \(label)") }
                if accepts(m, n, roots[oldSize], roots[newSize], proof + [roots[newSize]]) { problems.append("extended at \(label)") }
                if accepts(m, n, roots[oldSize], roots[newSize], [roots[oldSize]] + proof) { problems.append("prefixed at \(label)") }
                if accepts(m, n, roots[oldSize], roots[newSize], []) { problems.append("empty proof at \(label)") }
                // Claimed sizes that differ from the proof's, each with its own true root: must fail
                // whenever the real proof for the claimed sizes differs from this one.
                for otherOld in max(1, oldSize - 2)...(oldSize + 2) where otherOld != oldSize && otherOld < newSize {
                    if reference.consistencyProof(oldSize: otherOld, newSize: newSize).map({ TreeHash($0)! }) != proof,
                        accepts(UInt64(otherOld), n, roots[otherOld], roots[newSize], proof)
                    {
                        problems.append("old size \(otherOld) accepted for \(label)")
                    }
                    if reference.consistencyProof(oldSize: otherOld, newSize: newSize).count != proof.count,
                        accepts(UInt64(otherOld), n, roots[oldSize], roots[newSize], proof)
                    {
                        problems.append("old size \(otherOld) with the true roots accepted for \(label)")
                    }
                }
                for otherNew in max(oldSize + 1, newSize - 2)...(newSize + 2) where otherNew != newSize && otherNew <= maxSize + 1 {
                    let otherProof = reference.consistencyProof(oldSize: oldSize, newSize: otherNew)
                    if otherProof.map({ TreeHash($0)! }) != proof,
                        accepts(m, UInt64(otherNew), roots[oldSize], roots[otherNew], proof)
                    {
                        problems.append("new size \(otherNew) accepted for \(label)")
                    }
                    // Claiming another size while keeping the true roots: a proof of the wrong shape for
                    // that size must not verify (e.g. 4 -> 8 presented as 4 -> 9).
                    if otherProof.count != proof.count, accepts(m, UInt64(otherNew), roots[oldSize], roots[newSize], proof) {
                        problems.append("new size \(otherNew) with the true roots accepted for \(label)")
                    }
                }
            }
        }
        #expect(problems.isEmpty, "\(problems.count) problems, first: \(problems.prefix(10))")
    }

    @Test("degenerate sizes: equal sizes need an empty proof and equal roots; old size 0 needs an empty proof; old > new fails")
    func degenerateSizes() {
        let reference = ReferenceMerkleTree(count: 8)
        let r5 = TreeHash(reference.root(size: 5))!
        let r8 = TreeHash(reference.root(size: 8))!
        #expect(MerkleMath.consistencyRanges(oldSize: 5, newSize: 5).isEmpty)
        #expect(MerkleProofVerifier.verifyConsistency(oldSize: 5, newSize: 5, oldRoot: r5, newRoot: r5, proof: []))
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 5, newSize: 5, oldRoot: r5, newRoot: r8, proof: []))
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 5, newSize: 5, oldRoot: r5, newRoot: r5, proof: [r5]))
        #expect(MerkleProofVerifier.verifyConsistency(oldSize: 0, newSize: 8, oldRoot: .empty, newRoot: r8, proof: []))
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 0, newSize: 8, oldRoot: .empty, newRoot: r8, proof: [r8]))
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 8, newSize: 5, oldRoot: r8, newRoot: r5, proof: [r5]))
        // The proof from 4 to 8 is a single hash; it must not pass for a claimed new size of 9.
        let r4 = TreeHash(reference.root(size: 4))!
        let proof = [TreeHash(reference.mth(4..<8))!]
        #expect(MerkleProofVerifier.verifyConsistency(oldSize: 4, newSize: 8, oldRoot: r4, newRoot: r8, proof: proof))
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 4, newSize: 9, oldRoot: r4, newRoot: r8, proof: proof))
    }
}
