/// Index arithmetic of RFC 6962 trees: which perfect subtrees make up a range, a proof or the root.
///
/// These functions only name hashes; a store fetches them in one batch and ``MerkleMath/fold(_:)``
/// combines them. Keeping the arithmetic apart from I/O lets every store share one tested plan.
public enum MerkleMath {
    /// The largest power of two strictly smaller than `n` (n > 1), the split point `k` of RFC 6962.
    public static func split(_ n: UInt64) -> UInt64 {
        precondition(n > 1)
        return 1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }

    /// The perfect subtrees, left to right, whose hashes fold into the hash of `range`.
    ///
    /// `range` must be one that RFC 6962's recursion produces: its start is a multiple of the
    /// largest power of two not above its length. The result is the binary decomposition of the
    /// length, largest subtree first.
    public static func decompose(_ range: Range<UInt64>) -> [TreeNodeID] {
        var ids: [TreeNodeID] = []
        var start = range.lowerBound
        var remaining = range.upperBound - range.lowerBound
        while remaining > 0 {
            let level = 63 - remaining.leadingZeroBitCount
            let width = UInt64(1) << UInt64(level)
            ids.append(TreeNodeID(level: level, index: start >> UInt64(level)))
            start += width
            remaining -= width
        }
        return ids
    }

    /// Folds the hashes of ``decompose(_:)`` (same order) into the hash of the whole range.
    public static func fold(_ hashes: [TreeHash]) -> TreeHash {
        guard var result = hashes.last else { return .empty }
        for hash in hashes.dropLast().reversed() {
            result = .interior(hash, result)
        }
        return result
    }

    /// The perfect subtrees whose hashes fold into the root of a tree of `size` leaves.
    public static func rootNodes(size: UInt64) -> [TreeNodeID] {
        decompose(0..<size)
    }

    /// The leaf ranges whose hashes form the inclusion proof of leaf `index` in a tree of `size`
    /// leaves, nearest the leaf first (RFC 6962 §2.1.1 PATH).
    public static func inclusionRanges(index: UInt64, size: UInt64) -> [Range<UInt64>] {
        precondition(index < size)
        var ranges: [Range<UInt64>] = []
        var low: UInt64 = 0
        var high = size
        // Walk from the root down, collecting the sibling at each level; reverse at the end.
        while high - low > 1 {
            let k = split(high - low)
            if index < low + k {
                ranges.append((low + k)..<high)
                high = low + k
            } else {
                ranges.append(low..<(low + k))
                low += k
            }
        }
        return ranges.reversed()
    }

    /// The leaf ranges whose hashes form the consistency proof from `oldSize` to `newSize`
    /// (RFC 6962 §2.1.2 PROOF), in proof order.
    public static func consistencyRanges(oldSize: UInt64, newSize: UInt64) -> [Range<UInt64>] {
        precondition(oldSize > 0 && oldSize <= newSize)
        if oldSize == newSize { return [] }
        var ranges: [Range<UInt64>] = []
        var low: UInt64 = 0
        var high = newSize
        var m = oldSize
        var complete = true
        while m != high - low {
            let k = split(high - low)
            if m <= k {
                ranges.append((low + k)..<high)
                high = low + k
            } else {
                ranges.append(low..<(low + k))
                low += k
                m -= k
                complete = false
            }
        }
        if !complete {
            ranges.append(low..<high)
        }
        return ranges.reversed()
    }
}
