import Crypto

@testable import MedLedgerCore

/// RFC 6962 §2.1 transcribed literally, as an oracle for the production Merkle code.
///
/// It hashes with swift-crypto's SHA-256 directly and recurses exactly as the RFC's definitions of
/// MTH, PATH and SUBPROOF do; nothing here calls `MerkleMath`, `MerkleFrontier` or `TreeHash`.
/// Subtree hashes are memoised by leaf range so exhaustive sweeps stay fast.
final class ReferenceMerkleTree {
    let entries: [[UInt8]]
    private var memo: [Range<Int>: [UInt8]] = [:]

    init(entries: [[UInt8]]) {
        self.entries = entries
    }

    /// A tree of `count` distinct, deterministic entries of varying length.
    convenience init(count: Int) {
        self.init(entries: (0..<count).map(ReferenceMerkleTree.sampleEntry))
    }

    static func sampleEntry(_ index: Int) -> [UInt8] {
        // Lengths vary from 0 to 6 bytes so that the empty entry and short entries are covered.
        let seed = Array("entry-\(index)".utf8)
        return Array(seed.prefix(index % 7)) + [UInt8(truncatingIfNeeded: index), UInt8(truncatingIfNeeded: index >> 8)]
    }

    static func sha256(_ bytes: [UInt8]) -> [UInt8] {
        Array(SHA256.hash(data: bytes))
    }

    /// The k of RFC 6962: the largest power of two strictly less than n, for n > 1.
    static func largestPowerOfTwoBelow(_ n: Int) -> Int {
        precondition(n > 1)
        var k = 1
        while k * 2 < n { k *= 2 }
        return k
    }

    /// MTH(D[range]).
    func mth(_ range: Range<Int>) -> [UInt8] {
        if let known = memo[range] { return known }
        let hash: [UInt8]
        switch range.count {
        case 0:
            hash = Self.sha256([])
        case 1:
            hash = Self.sha256([0x00] + entries[range.lowerBound])
        default:
            let k = Self.largestPowerOfTwoBelow(range.count)
            let split = range.lowerBound + k
            hash = Self.sha256([0x01] + mth(range.lowerBound..<split) + mth(split..<range.upperBound))
        }
        memo[range] = hash
        return hash
    }

    /// MTH of the first `size` entries.
    func root(size: Int) -> [UInt8] { mth(0..<size) }

    /// PATH(m, D[0:size]).
    func path(index: Int, size: Int) -> [[UInt8]] {
        path(index, 0..<size)
    }

    /// PATH(m, D[range]) with m relative to the start of the range.
    private func path(_ m: Int, _ range: Range<Int>) -> [[UInt8]] {
        let n = range.count
        if n == 1 { return [] }
        let k = Self.largestPowerOfTwoBelow(n)
        let split = range.lowerBound + k
        if m < k {
            return path(m, range.lowerBound..<split) + [mth(split..<range.upperBound)]
        } else {
            return path(m - k, split..<range.upperBound) + [mth(range.lowerBound..<split)]
        }
    }

    /// PROOF(m, D[0:size]) = SUBPROOF(m, D[0:size], true).
    func consistencyProof(oldSize: Int, newSize: Int) -> [[UInt8]] {
        subproof(oldSize, 0..<newSize, true)
    }

    private func subproof(_ m: Int, _ range: Range<Int>, _ b: Bool) -> [[UInt8]] {
        let n = range.count
        if m == n { return b ? [] : [mth(range)] }
        let k = Self.largestPowerOfTwoBelow(n)
        let split = range.lowerBound + k
        if m <= k {
            return subproof(m, range.lowerBound..<split, b) + [mth(split..<range.upperBound)]
        } else {
            return subproof(m - k, split..<range.upperBound, false) + [mth(range.lowerBound..<split)]
        }
    }

    /// Every perfect subtree of the first `size` leaves, keyed by node address: a stand-in for a
    /// ledger store's hash table.
    func perfectSubtreeStore(size: Int) -> [TreeNodeID: TreeHash] {
        var store: [TreeNodeID: TreeHash] = [:]
        var level = 0
        while (1 << level) <= size {
            let width = 1 << level
            for index in 0..<(size / width) {
                let range = (index * width)..<((index + 1) * width)
                store[TreeNodeID(level: level, index: UInt64(index))] = TreeHash(mth(range))!
            }
            level += 1
        }
        return store
    }
}

/// Hex helpers for writing test vectors.
func hexBytes(_ text: String) -> [UInt8] {
    precondition(text.count % 2 == 0)
    var out: [UInt8] = []
    var index = text.startIndex
    while index < text.endIndex {
        let next = text.index(index, offsetBy: 2)
        out.append(UInt8(text[index..<next], radix: 16)!)
        index = next
    }
    return out
}

func treeHash(_ hex: String) -> TreeHash {
    TreeHash(hexBytes(hex))!
}

/// Builds a proof the way a store-backed server does: name ranges, decompose them into stored
/// perfect subtrees, fold.
func proofFromStore(_ ranges: [Range<UInt64>], store: [TreeNodeID: TreeHash]) -> [TreeHash]? {
    var proof: [TreeHash] = []
    for range in ranges {
        var parts: [TreeHash] = []
        for id in MerkleMath.decompose(range) {
            guard let hash = store[id] else { return nil }
            parts.append(hash)
        }
        proof.append(MerkleMath.fold(parts))
    }
    return proof
}

/// A copy of `hash` with one bit flipped.
func flippingBit(_ bit: Int, of hash: TreeHash) -> TreeHash {
    var bytes = hash.bytes
    bytes[bit / 8] ^= UInt8(1) << UInt8(bit % 8)
    return TreeHash(bytes)!
}
