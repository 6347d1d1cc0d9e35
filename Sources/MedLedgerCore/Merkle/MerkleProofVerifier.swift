/// Verifies inclusion and consistency proofs with nothing but hashes (RFC 9162 §2.1.3.2, §2.1.4.2).
public enum MerkleProofVerifier {
    /// Recomputes the root from a leaf hash and its audit path; true when it equals `root`.
    public static func verifyInclusion(
        leaf: TreeHash, index: UInt64, size: UInt64, proof: [TreeHash], root: TreeHash
    ) -> Bool {
        guard let computed = rootFromInclusion(leaf: leaf, index: index, size: size, proof: proof) else {
            return false
        }
        return computed == root
    }

    /// The root an inclusion proof implies, or nil when the proof has the wrong shape.
    public static func rootFromInclusion(
        leaf: TreeHash, index: UInt64, size: UInt64, proof: [TreeHash]
    ) -> TreeHash? {
        guard index < size else { return nil }
        var fn = index
        var sn = size - 1
        var result = leaf
        for sibling in proof {
            if sn == 0 { return nil }
            if fn & 1 == 1 || fn == sn {
                result = .interior(sibling, result)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                result = .interior(result, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 ? result : nil
    }

    /// True when `proof` shows the tree of `oldSize` leaves with `oldRoot` is a prefix of the tree of
    /// `newSize` leaves with `newRoot`.
    public static func verifyConsistency(
        oldSize: UInt64, newSize: UInt64, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]
    ) -> Bool {
        if oldSize > newSize { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty }
        guard !proof.isEmpty else { return false }
        var path = proof[...]
        // When the old tree is a perfect subtree on the left edge, its root is implicitly the first node.
        if oldSize & (oldSize - 1) == 0 {
            path = [oldRoot] + proof
        }
        guard let first = path.first else { return false }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = first
        var sr = first
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = .interior(c, fr)
                sr = .interior(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = .interior(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }
}
