import MedLedgerCore

/// What the ledger explorer shows at one tree size: the checkpoint, the newest entries with
/// their outcomes, and the newest blocks. Public ledger data only.
public struct ExplorerView: Sendable {
    /// How many of the newest entries the view holds.
    public static let entryCount: UInt64 = 25
    /// How many of the newest checkpoints (blocks) the view holds.
    public static let checkpointCount = 10

    /// One entry with what the contracts decided about it.
    public struct Row: Sendable {
        public let entry: StoredEntry
        /// The entry's leaf hash in the tree (RFC 6962).
        public let leafHash: TreeHash
        /// The audit event of a contract transaction; nil for ledger-level kinds (pings).
        public let event: AuditEvent?

        public init(entry: StoredEntry, event: AuditEvent?) {
            self.entry = entry
            self.leafHash = TreeHash.leaf(entry.entry)
            self.event = event
        }
    }

    /// One block: the tree size its checkpoint commits to, with the checkpoint's time and root
    /// (nil when the stored note does not parse, which `medledger verify` reports).
    public struct Block: Sendable {
        public let size: UInt64
        public let time: Int64?
        public let root: TreeHash?

        /// Parses a stored checkpoint note once, when the view is read.
        public init(_ stored: StoredCheckpoint) {
            size = stored.size
            let parsed = (try? SignedNote.parse(stored.note)).flatMap { try? Checkpoint.parse($0.text) }
            time = parsed?.time
            root = parsed?.root
        }
    }

    /// The checkpoint the view was read at.
    public let checkpoint: SignedCheckpoint
    /// The newest entries, newest first.
    public let rows: [Row]
    /// The newest blocks, newest first.
    public let blocks: [Block]

    /// The tree size the view describes.
    public var size: UInt64 { checkpoint.checkpoint.size }
}
