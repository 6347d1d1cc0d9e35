/// A C2SP tlog-tiles resource: a hash tile `tile/<L>/<N>[.p/<W>]` or an entry bundle
/// `tile/entries/<N>[.p/<W>]`.
///
/// Tiles are 256 wide and 8 levels high: a level-L tile holds hashes of tree level 8·L.
public enum TileRequest: Sendable, Equatable {
    case hashes(level: Int, index: UInt64, width: Int)
    case entries(index: UInt64, width: Int)

    /// Entries or hashes per full tile.
    public static let fullWidth = 256
    /// Tree levels per tile level.
    public static let height = 8

    /// True for a full (immutable, cacheable forever) tile.
    public var isFull: Bool {
        switch self {
        case .hashes(_, _, let width), .entries(_, let width): width == Self.fullWidth
        }
    }

    /// The indexes a tile covers, N·256 ..< N·256+W: tree nodes of level 8·L for a hash tile,
    /// entries for an entry bundle.
    public var indexes: Range<UInt64> {
        switch self {
        case .entries(let index, let width), .hashes(_, let index, let width):
            let first = index * UInt64(Self.fullWidth)
            return first..<(first + UInt64(width))
        }
    }

    /// The tree nodes a hash tile holds (none for an entry bundle).
    public var nodeIDs: [TreeNodeID] {
        guard case .hashes(let level, _, _) = self else { return [] }
        return indexes.map { TreeNodeID(level: level * Self.height, index: $0) }
    }

    /// True when a tree of `size` leaves has every hash or entry this tile names.
    public func isAvailable(treeSize size: UInt64) -> Bool {
        let available: UInt64
        let index: UInt64
        let width: Int
        switch self {
        case .hashes(let level, let i, let w):
            let shift = UInt64(level * Self.height)
            guard shift < 64 else { return false }
            available = size >> shift
            (index, width) = (i, w)
        case .entries(let i, let w):
            available = size
            (index, width) = (i, w)
        }
        // Overflow-checked: a huge index in a request path must answer "not available", never trap.
        let (start, overflowed) = index.multipliedReportingOverflow(by: UInt64(Self.fullWidth))
        let (end, overflowedAgain) = start.addingReportingOverflow(UInt64(width))
        return !overflowed && !overflowedAgain && end <= available
    }

    /// The path below `tile/`, e.g. `0/x001/x234/067.p/8` or `entries/005`.
    public var path: String {
        switch self {
        case .hashes(let level, let index, let width):
            "\(level)/\(Self.encodeIndex(index))\(width == Self.fullWidth ? "" : ".p/\(width)")"
        case .entries(let index, let width):
            "entries/\(Self.encodeIndex(index))\(width == Self.fullWidth ? "" : ".p/\(width)")"
        }
    }

    /// Encodes a tile index as 3-digit groups, all but the last prefixed with `x`.
    public static func encodeIndex(_ index: UInt64) -> String {
        var groups: [String] = []
        var rest = index
        repeat {
            let group = String(rest % 1000)
            groups.append(String(repeating: "0", count: 3 - group.count) + group)
            rest /= 1000
        } while rest > 0
        return groups.reversed().enumerated().map { offset, group in
            offset == groups.count - 1 ? group : "x" + group
        }.joined(separator: "/")
    }

    /// Parses the path components after `tile/`; nil for anything that is not a canonical tile path.
    public static func parse<S: StringProtocol>(_ components: [S]) -> TileRequest? {
        guard let first = components.first else { return nil }
        var rest: [String] = components.dropFirst().map { String($0) }
        var width = fullWidth
        // A partial tile ends in `<last group>.p/<W>`.
        if rest.count >= 2, let last = rest.last, rest[rest.count - 2].hasSuffix(".p") {
            guard let w = Int(last), String(w) == last, (1..<fullWidth).contains(w) else { return nil }
            width = w
            rest.removeLast()
            rest[rest.count - 1].removeLast(2)
        }
        guard let index = decodeIndex(rest) else { return nil }
        if first == "entries" {
            return .entries(index: index, width: width)
        }
        guard let level = Int(first), String(level) == first, (0...7).contains(level) else { return nil }
        return .hashes(level: level, index: index, width: width)
    }

    static func decodeIndex(_ groups: [String]) -> UInt64? {
        guard !groups.isEmpty, groups.count <= 7 else { return nil }
        var value: UInt64 = 0
        for (offset, raw) in groups.enumerated() {
            var group = Substring(raw)
            if offset < groups.count - 1 {
                guard group.hasPrefix("x") else { return nil }
                group = group.dropFirst()
            }
            guard group.utf8.count == 3, group.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let digits = UInt64(group) else {
                return nil
            }
            let (times, overflow1) = value.multipliedReportingOverflow(by: 1000)
            let (sum, overflow2) = times.addingReportingOverflow(digits)
            guard !overflow1, !overflow2 else { return nil }
            value = sum
        }
        // Leading zero groups are not canonical (index 5 is `005`, never `x000/005`).
        guard encodeIndex(value) == groups.joined(separator: "/") else { return nil }
        return value
    }

    /// Serialises entries as an entry bundle: each prefixed by its 16-bit big-endian length.
    public static func bundle(_ entries: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(entries.reduce(0) { $0 + $1.count + 2 })
        for entry in entries {
            precondition(entry.count <= 0xFFFF)
            out.append(UInt8(entry.count >> 8))
            out.append(UInt8(entry.count & 0xFF))
            out += entry
        }
        return out
    }

    /// Splits an entry bundle; nil when it is malformed.
    public static func unbundle(_ bytes: [UInt8]) -> [[UInt8]]? {
        var entries: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { return nil }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard offset + length <= bytes.count else { return nil }
            entries.append(Array(bytes[offset..<(offset + length)]))
            offset += length
        }
        return entries
    }
}
