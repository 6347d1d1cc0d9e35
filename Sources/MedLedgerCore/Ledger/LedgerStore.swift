/// Where the ledger keeps entries, perfect-subtree hashes, checkpoints, the audit events and the
/// contract state.
///
/// The embedded node implements it on SQLite; a PostgreSQL implementation can slot in without the
/// sequencer, HTTP layer or verifier changing. Implementations must make ``append(_:)`` atomic and
/// durable before returning: a returned entry index is a promise.
public protocol LedgerStore: AuditLog {
    /// The contract state as of the latest block, rebuilt from the stored objects.
    func contractState() async throws -> ContractState
    /// Stored audit events of the entries in `range`, in order.
    func events(entries range: Range<UInt64>) async throws -> [AuditEvent]
    /// The first disagreement between the stored audit events and whatever index the store keeps
    /// for ``AuditLog/events(_:)`` (an entry index and what is wrong), or nil. A wrong index could
    /// hide events from a trail, so `verify` checks it.
    func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)?
    /// The latest checkpoint and the right edge of the tree, read in O(log n).
    func head() async throws -> LedgerHead
    /// Which of `keys` already appear in the ledger.
    func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey>
    /// Writes a sealed block (entries, completed nodes, checkpoint, events, state changes) in one
    /// durable transaction.
    func append(_ block: SealedBlock) async throws
    /// Stored hashes of perfect subtrees, in the order asked; throws ``LedgerStoreError/missingHash(_:)``.
    func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash]
    /// Stored entries with indexes in `range` (clamped to the ledger's size), in order.
    func entries(_ range: Range<UInt64>) async throws -> [StoredEntry]
    /// Stored entries at `indexes` (any order, duplicates allowed), in index order; indexes the
    /// ledger does not hold are left out, so a caller can name what is missing.
    func entries(at indexes: [UInt64]) async throws -> [StoredEntry]
    /// Checkpoints with size greater than `size`, oldest first, at most `limit`.
    func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint]
    /// The first checkpoint whose size is at least `size` (the one that sealed entry `size - 1`).
    func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint?
    /// The lowest index of an entry whose signer and nonce appear at an earlier index, if any.
    func firstReplayedEntry() async throws -> UInt64?
}

extension LedgerStore {
    /// One range read per index: correct for any store; stores override it with one query.
    public func entries(at indexes: [UInt64]) async throws -> [StoredEntry] {
        var found: [StoredEntry] = []
        for index in Set(indexes).sorted() {
            found += try await entries(index..<(index + 1))
        }
        return found
    }
}

/// Errors a store reports about its contents.
public enum LedgerStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    case missingHash(TreeNodeID)
    case corrupt(String)
    case replayedNonce
    /// The writer no longer holds the sequencer lease of a shared store (``SharedLedgerStore``):
    /// another node sequences now, and nothing of the block was written.
    case fenced

    public var description: String {
        switch self {
        case .missingHash(let id): "tree hash \(id) is missing"
        case .corrupt(let what): "stored data is corrupt: \(what)"
        case .replayedNonce: "a nonce was already used"
        case .fenced: "this node no longer holds the sequencer lease"
        }
    }
}

/// The state a sequencer resumes from.
public struct LedgerHead: Sendable {
    public let checkpoint: SignedCheckpoint?
    public let frontier: MerkleFrontier

    public init(checkpoint: SignedCheckpoint?, frontier: MerkleFrontier) {
        self.checkpoint = checkpoint
        self.frontier = frontier
    }

    /// An empty ledger.
    public static let empty = LedgerHead(checkpoint: nil, frontier: MerkleFrontier())
}

/// An entry as stored, with the columns derived from it (which `verify` re-derives and compares).
/// Its leaf hash is the level-0 tree hash.
public struct StoredEntry: Sendable, Equatable {
    public let index: UInt64
    public let entry: [UInt8]
    public let type: String
    public let signer: String
    public let nonce: String

    public init(index: UInt64, entry: [UInt8], type: String, signer: String, nonce: String) {
        self.index = index
        self.entry = entry
        self.type = type
        self.signer = signer
        self.nonce = nonce
    }
}

/// A checkpoint as stored: its size and the serialized signed note.
public struct StoredCheckpoint: Sendable, Equatable {
    public let size: UInt64
    public let note: String

    public init(size: UInt64, note: String) {
        self.size = size
        self.note = note
    }
}

/// One entry placed in a block.
public struct SequencedEntry: Sendable {
    public let index: UInt64
    public let transaction: VerifiedTransaction

    public init(index: UInt64, transaction: VerifiedTransaction) {
        self.index = index
        self.transaction = transaction
    }
}

/// A batch of entries closed by a signed checkpoint, with the audit events and contract-state
/// changes they caused, ready to be written in one transaction.
public struct SealedBlock: Sendable {
    public let entries: [SequencedEntry]
    public let nodes: [MerkleFrontier.CompletedNode]
    public let checkpoint: SignedCheckpoint
    public let frontier: MerkleFrontier
    /// One per contract transaction, in entry order.
    public let events: [AuditEvent]
    /// The state objects the block changed, as they are after it.
    public let changes: [StateObject]
    /// `changes` encoded as the documents the store keeps, once, when the block is sealed: the
    /// encoding then runs while the previous block is being written instead of inside the single
    /// write transaction every block waits for.
    public let documents: [StateDocument]

    public init(
        entries: [SequencedEntry], nodes: [MerkleFrontier.CompletedNode], checkpoint: SignedCheckpoint, frontier: MerkleFrontier,
        events: [AuditEvent] = [], changes: [StateObject] = []
    ) throws {
        self.entries = entries
        self.nodes = nodes
        self.checkpoint = checkpoint
        self.frontier = frontier
        self.events = events
        self.changes = changes
        let encoder = StateObject.documentEncoder()
        self.documents = try changes.map { StateDocument(key: $0.key, bytes: try $0.document(using: encoder)) }
    }
}
