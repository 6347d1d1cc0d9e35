/// The address of a perfect subtree: the `index`-th subtree of `2^level` leaves.
///
/// Level 0 nodes are leaf hashes. Only perfect (complete) subtrees are ever stored, because their
/// hashes never change once the tree has grown past them; every other hash a proof needs is folded
/// from a handful of them (see ``MerkleMath``).
public struct TreeNodeID: Hashable, Sendable, CustomStringConvertible {
    public let level: Int
    public let index: UInt64

    public init(level: Int, index: UInt64) {
        self.level = level
        self.index = index
    }

    /// The leaves this subtree covers.
    public var leaves: Range<UInt64> {
        let start = index << UInt64(level)
        return start..<(start + (1 << UInt64(level)))
    }

    public var description: String { "level \(level) index \(index)" }
}
