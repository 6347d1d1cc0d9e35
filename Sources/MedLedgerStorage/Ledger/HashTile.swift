import MedLedgerCore

/// Layout of a packed `hash_tile` row: the 510 hashes of tree levels 0 to 7 under one complete
/// 256-leaf tile, level by level from the leaves up (256, 128, …, 2 hashes).
///
/// The level-8 hash (the tile's root) stays in `tree_node` with the larger subtrees.
enum HashTile {
    /// Tree levels packed per tile.
    static let height = 8
    /// Hashes per packed tile: 256 + 128 + … + 2.
    static let count = 510

    /// The tile holding a node of level below ``height``.
    static func tile(of id: TreeNodeID) -> UInt64 {
        id.index >> UInt64(height - id.level)
    }

    /// The node indexes of `level` under `tile`.
    static func range(tile: UInt64, level: Int) -> Range<UInt64> {
        let width = UInt64(256 >> level)
        return (tile * width)..<((tile + 1) * width)
    }

    /// Where a node's hash sits in the packed blob.
    static func byteRange(of id: TreeNodeID) -> Range<Int> {
        let levelOffset = 512 - (512 >> id.level)
        let position = levelOffset + Int(id.index - range(tile: tile(of: id), level: id.level).lowerBound)
        return (position * 32)..<((position + 1) * 32)
    }
}
