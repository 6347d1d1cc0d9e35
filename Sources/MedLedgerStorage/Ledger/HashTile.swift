import MedLedgerCore

/// Layout of a packed `hash_tile` row: the 510 hashes of the eight tree levels inside one complete
/// tile (tile level G covers tree levels 8·G to 8·G+7 under 256 nodes of level 8·G), level by level
/// from the bottom up (256, 128, …, 2 hashes).
///
/// The tile's own root, at tree level 8·G+8, belongs to the tile above.
struct HashTile: Hashable {
    /// Tree levels packed per tile.
    static let height = 8
    /// Hashes per packed tile: 256 + 128 + … + 2.
    static let count = 510

    /// Tile level: the tile holds tree levels 8·level ..< 8·level+8.
    let level: Int
    let index: UInt64

    /// The tile holding a node.
    init(holding id: TreeNodeID) {
        self.level = id.level / Self.height
        self.index = id.index >> UInt64(Self.height - id.level % Self.height)
    }

    /// The tile whose root is `root`, a node at a level that is a positive multiple of 8.
    init?(rootedAt root: TreeNodeID) {
        guard root.level > 0, root.level % Self.height == 0 else { return nil }
        self.level = root.level / Self.height - 1
        self.index = root.index
    }

    /// The node indexes of the tree level `8·level + step` under this tile.
    func range(step: Int) -> Range<UInt64> {
        let width = UInt64(256 >> step)
        return (index * width)..<((index + 1) * width)
    }

    /// Where a node's hash sits in the packed blob.
    func byteRange(of id: TreeNodeID) -> Range<Int> {
        let step = id.level % Self.height
        let stepOffset = 512 - (512 >> step)
        let position = stepOffset + Int(id.index - range(step: step).lowerBound)
        return (position * 32)..<((position + 1) * 32)
    }
}
