/// The right edge of a growing RFC 6962 tree: the roots of its perfect subtrees, largest first.
///
/// Appending a leaf completes zero or more perfect subtrees; ``append(_:)`` reports every one of them
/// so the store can keep all perfect-subtree hashes, which is what makes proofs and tiles cost
/// O(log n) reads and lets a ledger of any size open without replaying it.
public struct MerkleFrontier: Sendable, Equatable {
    /// Number of leaves appended so far.
    public private(set) var size: UInt64
    /// Perfect subtree roots, in the order of ``MerkleMath/rootNodes(size:)``.
    public private(set) var hashes: [TreeHash]

    /// An empty tree.
    public init() {
        self.size = 0
        self.hashes = []
    }

    /// Rebuilds a frontier from stored hashes of ``MerkleMath/rootNodes(size:)``.
    public init?(size: UInt64, hashes: [TreeHash]) {
        guard hashes.count == MerkleMath.rootNodes(size: size).count else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// A node completed by an append, to be stored.
    public struct CompletedNode: Sendable, Equatable {
        public let id: TreeNodeID
        public let hash: TreeHash

        public init(id: TreeNodeID, hash: TreeHash) {
            self.id = id
            self.hash = hash
        }
    }

    /// Appends one leaf hash and returns the perfect subtrees it completed above level 0.
    @discardableResult
    public mutating func append(_ leaf: TreeHash) -> [CompletedNode] {
        var completed: [CompletedNode] = []
        var hash = leaf
        var level = 0
        var index = size
        // Each trailing one bit of the old size is a perfect subtree that now merges with its new sibling.
        var bits = size
        while bits & 1 == 1 {
            let left = hashes.removeLast()
            hash = .interior(left, hash)
            level += 1
            index >>= 1
            completed.append(CompletedNode(id: TreeNodeID(level: level, index: index), hash: hash))
            bits >>= 1
        }
        hashes.append(hash)
        size += 1
        return completed
    }

    /// The tree head hash (RFC 6962 MTH) at the current size.
    public var root: TreeHash {
        MerkleMath.fold(hashes)
    }
}
