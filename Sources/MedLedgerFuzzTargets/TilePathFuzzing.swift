import MedLedgerCore

/// Drives ``TileRequest/parse(_:)`` with the path components after `tile/`.
public enum TilePathFuzzing {
    /// Tree sizes every parsed tile is checked against, including the largest.
    static let treeSizes: [UInt64] = [0, 1, 255, 256, 257, 65_536, 1 << 40, UInt64.max]

    /// Parses `input` as a `/`-separated tile path and checks it round-trips and stays in range.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        let components = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let tile = TileRequest.parse(components) else { return }
        try FuzzInvariantViolation.expect(tile.path == text, "a tile path has one spelling")
        try FuzzInvariantViolation.expect(TileRequest.parse(tile.path.split(separator: "/")) == tile, "a tile path re-parses to the same tile")
        switch tile {
        case .hashes(let level, _, let width):
            try FuzzInvariantViolation.expect((0...7).contains(level), "hash tile levels are 0 to 7")
            try FuzzInvariantViolation.expect((1...TileRequest.fullWidth).contains(width), "tile widths are 1 to 256")
        case .entries(_, let width):
            try FuzzInvariantViolation.expect((1...TileRequest.fullWidth).contains(width), "tile widths are 1 to 256")
        }
        for size in treeSizes where tile.isAvailable(treeSize: size) {
            // The node serves `indexes` and `nodeIDs` only for available tiles: they must not overflow.
            let indexes = tile.indexes
            try FuzzInvariantViolation.expect(indexes.count == width(of: tile), "a tile covers its width")
            if case .hashes = tile {
                try FuzzInvariantViolation.expect(tile.nodeIDs.count == indexes.count, "a hash tile names one node per index")
            }
        }
    }

    static func width(of tile: TileRequest) -> Int {
        switch tile {
        case .hashes(_, _, let width), .entries(_, let width): width
        }
    }
}
