import Foundation
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// ``SharedLedgerStore`` on PostgreSQL: the ledger several `serve` nodes share. The same data as
/// ``SQLiteLedgerStore`` (entries, perfect-subtree hashes, checkpoints, audit events, state
/// objects), each block written in one transaction whose first statement checks that this store
/// still holds the sequencer lease with the epoch it was granted (the fence), so a deposed
/// sequencer can never add to the log, however late its block arrives.
///
/// Blocks go in with one set-based statement per table (`INSERT … SELECT FROM unnest(…)`), so a
/// block of thousands of entries costs a handful of round trips, not one per row.
public struct PostgresLedgerStore: SharedLedgerStore {
    let database: PostgresDatabase
    /// The lease this store (and every copy of it) was last granted; appends are fenced by it.
    let fence: SequencerFence

    public init(database: PostgresDatabase) {
        self.database = database
        self.fence = SequencerFence()
    }

    var logger: Logger { database.logger }

    // MARK: Reads

    public func head() async throws -> LedgerHead {
        try await transaction(deadline: Self.sequencingDeadline) { connection in
            try await Self.probeIndexes(on: connection, logger: logger)
            return try await Self.head(on: connection, logger: logger)
        }
    }

    /// The latest checkpoint and the frontier hashes under it, read on `connection` (inside the
    /// caller's snapshot when it has one).
    static func head(on connection: PostgresConnection, logger: Logger) async throws -> LedgerHead {
        let rows = try await connection.query("SELECT size, time, note FROM checkpoint ORDER BY size DESC LIMIT 1", logger: logger)
        var latest: CheckpointRecord?
        for try await (size, time, note) in rows.decode((Int64, Int64, String).self) {
            latest = CheckpointRecord(size: size, time: time, note: note)
        }
        guard let latest else { return .empty }
        let checkpoint = try SQLiteLedgerStore.parse(latest)
        let size = checkpoint.checkpoint.size
        let hashes = try await hashes(on: connection, MerkleMath.rootNodes(size: size), logger: logger)
        guard let frontier = MerkleFrontier(size: size, hashes: hashes) else {
            throw LedgerStoreError.corrupt("frontier of size \(size)")
        }
        return LedgerHead(checkpoint: checkpoint, frontier: frontier)
    }

    public func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> {
        guard !keys.isEmpty else { return [] }
        var lookup: [String: [String: NonceKey]] = [:]
        for key in keys { lookup[key.signer.rawValue, default: [:]][key.nonce] = key }
        let wanted = lookup
        let hashes = keys.map(SQLiteLedgerStore.nonceKey)
        let signers = keys.map(\.signer.rawValue)
        let nonces = keys.map(\.nonce)
        return try await transaction(deadline: Self.sequencingDeadline) { connection in
            try await Self.probeIndexes(on: connection, logger: logger)
            let rows = try await connection.query(
                """
                SELECT DISTINCT e.signer, e.nonce FROM entry AS e
                JOIN unnest(\(hashes)::bigint[], \(signers)::text[], \(nonces)::text[]) AS w(k, s, n)
                    ON e.nonce_key = w.k AND e.signer = w.s AND e.nonce = w.n
                """, logger: logger)
            var found = Set<NonceKey>()
            for try await (signer, nonce) in rows.decode((String, String).self) {
                if let key = wanted[signer]?[nonce] { found.insert(key) }
            }
            return found
        }
    }

    public func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] {
        try await transaction { connection in
            try await Self.probeIndexes(on: connection, logger: logger)
            return try await Self.hashes(on: connection, ids, logger: logger)
        }
    }

    /// Makes the rest of the transaction look rows up by their indexes, one probe per key, rather
    /// than scan tables. The joins of a block's keys (hundreds of nonces, a proof's hashes) against
    /// `entry` and `tree_node` are otherwise planned, while PostgreSQL has no statistics on a young
    /// or fast-growing ledger, as hash joins over a full scan: a cost that grows with the ledger on
    /// every block (seen as a third of the sequencer's throughput lost at 80,000 entries).
    static func probeIndexes(on connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            "SELECT set_config('enable_seqscan', 'off', true), set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)",
            logger: logger)
    }

    /// Reads hashes with one join of the wanted (level, index) pairs against the primary key.
    static func hashes(on connection: PostgresConnection, _ ids: [TreeNodeID], logger: Logger) async throws -> [TreeHash] {
        guard !ids.isEmpty else { return [] }
        let levels = ids.map { Int64($0.level) }
        let indexes = ids.map { Int64(clamping: $0.index) }
        let rows = try await connection.query(
            """
            SELECT t.level, t.idx, t.hash FROM tree_node AS t
            JOIN unnest(\(levels)::bigint[], \(indexes)::bigint[]) AS w(level, idx) ON t.level = w.level AND t.idx = w.idx
            """, logger: logger)
        var found: [TreeNodeID: TreeHash] = [:]
        found.reserveCapacity(ids.count)
        for try await (level, index, bytes) in rows.decode((Int32, Int64, ByteBuffer).self) {
            let id = TreeNodeID(level: Int(level), index: UInt64(index))
            guard let hash = TreeHash(Array(bytes.readableBytesView)) else { throw LedgerStoreError.corrupt("hash \(id)") }
            found[id] = hash
        }
        return try ids.map { id in
            guard let hash = found[id] else { throw LedgerStoreError.missingHash(id) }
            return hash
        }
    }

    public func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] {
        guard !range.isEmpty else { return [] }
        let lower = Int64(clamping: range.lowerBound)
        let upper = Int64(clamping: range.upperBound)
        return try await connection { connection in
            try await Self.fetchEntries(
                connection.query(
                    "SELECT idx, envelope, type, signer, nonce FROM entry WHERE idx >= \(lower) AND idx < \(upper) ORDER BY idx",
                    logger: logger))
        }
    }

    public func entries(at indexes: [UInt64]) async throws -> [StoredEntry] {
        let wanted = Set(indexes).sorted().map { Int64(clamping: $0) }
        guard !wanted.isEmpty else { return [] }
        return try await connection { connection in
            try await Self.fetchEntries(
                connection.query(
                    "SELECT idx, envelope, type, signer, nonce FROM entry WHERE idx = ANY(\(wanted)::bigint[]) ORDER BY idx",
                    logger: logger))
        }
    }

    static func fetchEntries(_ rows: PostgresRowSequence) async throws -> [StoredEntry] {
        var entries: [StoredEntry] = []
        for try await (index, envelope, type, signer, nonce) in rows.decode((Int64, ByteBuffer, String, String, String).self) {
            entries.append(StoredEntry(index: UInt64(index), entry: Array(envelope.readableBytesView), type: type, signer: signer, nonce: nonce))
        }
        return entries
    }

    public func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] {
        let after = Int64(clamping: size)
        let limit = Int64(max(limit, 0))
        return try await connection { connection in
            let rows = try await connection.query(
                "SELECT size, note FROM checkpoint WHERE size > \(after) ORDER BY size LIMIT \(limit)", logger: logger)
            var found: [StoredCheckpoint] = []
            for try await (size, note) in rows.decode((Int64, String).self) { found.append(StoredCheckpoint(size: UInt64(size), note: note)) }
            return found
        }
    }

    public func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? {
        let size = Int64(clamping: size)
        return try await connection { connection in
            let rows = try await connection.query(
                "SELECT size, note FROM checkpoint WHERE size >= \(size) ORDER BY size LIMIT 1", logger: logger)
            var found: StoredCheckpoint?
            for try await (size, note) in rows.decode((Int64, String).self) { found = StoredCheckpoint(size: UInt64(size), note: note) }
            return found
        }
    }

    public func firstReplayedEntry() async throws -> UInt64? {
        try await connection { connection in
            let rows = try await connection.query(
                """
                SELECT MIN(later.idx) FROM entry AS later
                JOIN entry AS earlier ON earlier.nonce_key = later.nonce_key
                    AND earlier.signer = later.signer AND earlier.nonce = later.nonce AND earlier.idx < later.idx
                """, logger: logger)
            var found: UInt64?
            for try await index in rows.decode(Int64?.self) { found = index.map { UInt64($0) } }
            return found
        }
    }

    // MARK: Writes

    /// Writes the block in one transaction, fenced by the lease this store was granted. The write
    /// runs in a task of its own, so a cancelled caller cannot abort a block others wait on.
    public func append(_ block: SealedBlock) async throws {
        guard let grant = fence.current else { throw LedgerStoreError.fenced }
        let rows = try BlockRows(block)
        let store = self
        try await Task {
            // A block commits in milliseconds; one that has no answer after this long is on a
            // connection the server dropped, and the sequencer must be told it failed (if it
            // commits after all, its entries were never acknowledged, and the fence and the
            // entries' keys keep the next block from clashing with it).
            try await store.transaction(deadline: Self.blockDeadline) { connection in
                try await Self.write(rows, grant: grant, on: connection, logger: store.logger)
            }
        }.value
    }

    /// The longest a block's write may take before the sequencer is told it failed.
    static let blockDeadline: Duration = .seconds(5)

    /// The longest one of the sequencer's small reads (the head, a batch's nonces) or a lease claim
    /// may take. Without it, a statement sent on a connection the server dropped without a word
    /// would hold a node's write loop or lease ticks for good; with it the node answers "try again"
    /// and reloads once the server is back.
    static let sequencingDeadline: Duration = .seconds(5)

    /// The longest a read of the whole contract state may take (a node's reload after a lost block,
    /// a following node's snapshot), for the same reason; generous, since it grows with the state.
    static let stateDeadline: Duration = .seconds(60)

    /// The block's statements, inside its transaction: the fence first, then the replay check,
    /// then one insert per table.
    static func write(_ rows: BlockRows, grant: SequencerFence.Grant, on connection: PostgresConnection, logger: Logger) async throws {
        // Touching the lease row locks it until commit: a node taking the lease meanwhile waits
        // for this block, and a block after that sees the new epoch and writes nothing.
        let fence = try await connection.query(
            "UPDATE sequencer_lease SET expires = expires WHERE id = 1 AND holder = \(grant.holder) AND epoch = \(grant.epoch) RETURNING epoch",
            logger: logger)
        var held = false
        for try await _ in fence.decode(Int64.self) { held = true }
        guard held else {
            logger.warning("block refused: the sequencer lease is held by another node", metadata: ["epoch": "\(grant.epoch)"])
            throw LedgerStoreError.fenced
        }
        // The sequencer has already refused replays; this re-check inside the transaction keeps
        // the store's own promise even if a caller skipped that step.
        if rows.entryCount > 0 {
            try await probeIndexes(on: connection, logger: logger)
            let replays = try await connection.query(
                """
                SELECT 1 FROM entry AS e
                JOIN unnest(\(rows.nonceKeys)::bigint[], \(rows.signers)::text[], \(rows.nonces)::text[]) AS w(k, s, n)
                    ON e.nonce_key = w.k AND e.signer = w.s AND e.nonce = w.n
                LIMIT 1
                """, logger: logger)
            for try await _ in replays.decode(Int32.self) { throw LedgerStoreError.replayedNonce }
            try await connection.query(
                """
                INSERT INTO entry (idx, envelope, type, signer, nonce, nonce_key)
                SELECT * FROM unnest(\(rows.entryIndexes)::bigint[], \(rows.envelopes)::bytea[], \(rows.types)::text[],
                    \(rows.signers)::text[], \(rows.nonces)::text[], \(rows.nonceKeys)::bigint[])
                """, logger: logger)
        }
        if rows.nodeLevels.count > 0 {
            try await connection.query(
                """
                INSERT INTO tree_node (level, idx, hash)
                SELECT * FROM unnest(\(rows.nodeLevels)::bigint[], \(rows.nodeIndexes)::bigint[], \(rows.nodeHashes)::bytea[])
                """, logger: logger)
        }
        try await insertEvents(rows.events, on: connection, logger: logger)
        if rows.documentCount > 0 {
            try await connection.query(
                """
                INSERT INTO state_object (kind, id, document, changed_at)
                SELECT k, i, d, \(rows.size)::bigint FROM unnest(\(rows.documentKinds)::text[], \(rows.documentIDs)::text[], \(rows.documents)::bytea[]) AS w(k, i, d)
                ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document, changed_at = excluded.changed_at
                """, logger: logger)
        }
        try await connection.query(
            "INSERT INTO checkpoint (size, time, note) VALUES (\(rows.size), \(rows.time), \(rows.note))", logger: logger)
    }

    // MARK: Connections

    /// Runs `body` on a pooled connection (statements autocommit).
    func connection<T: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await database.withConnection(deadline: deadline) { connection in try await body(connection) }
    }

    /// Runs `body` in a transaction on a pooled connection. An error `body` throws comes out as
    /// itself (not wrapped in postgres-nio's transaction error), so callers see
    /// ``LedgerStoreError`` as from any store.
    func transaction<T: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return try await database.withTransaction(deadline: deadline) { connection in try await body(connection) }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError { throw inner }
            throw error
        }
    }
}
