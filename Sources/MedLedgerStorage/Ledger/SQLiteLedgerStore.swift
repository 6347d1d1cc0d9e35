import Crypto
import Foundation
import GRDB
import MedLedgerCore

/// ``LedgerStore`` on SQLite: entries, perfect-subtree hashes and checkpoints, each block in one
/// transaction. Subtree hashes (leaves included) are kept apart from the envelopes: a `tree_node`
/// row each until their eight-level tile completes, then packed into one `hash_tile` row (see
/// ``HashTile``), so proofs and tiles read few, compact rows. The hot path writes hashes with plain
/// SQL rather than record types, since it inserts thousands of rows per block.
///
/// Every database call goes through GRDB's async `read`/`write`, which run on GRDB's own reader
/// and writer queues: a lookup, however short, and the block write, which waits for fsync, never
/// block a thread of Swift's cooperative pool, which serves every request.
public struct SQLiteLedgerStore: LedgerStore {
    let database: LedgerDatabase
    /// How many entries' audit events accumulate before their record, patient, actor and action
    /// keys are indexed, in one pass inside the block write that crosses the mark.
    ///
    /// Indexing every block made each block dirty one random B-tree page per key per event; one
    /// pass over thousands of events, inserted in key order, touches each page about once. Queries
    /// read the unindexed tail (fewer than this many entries) straight from `audit_event`.
    public let auditIndexBatch: Int64

    public init(database: LedgerDatabase, auditIndexBatch: Int64 = 4096) {
        self.database = database
        self.auditIndexBatch = auditIndexBatch
    }

    public func head() async throws -> LedgerHead {
        try await read { db in
            guard let row = try CheckpointRecord.order(Column("size").desc).fetchOne(db) else {
                return LedgerHead.empty
            }
            let checkpoint = try Self.parse(row)
            let size = checkpoint.checkpoint.size
            let hashes = try Self.hashes(db, MerkleMath.rootNodes(size: size))
            guard let frontier = MerkleFrontier(size: size, hashes: hashes) else {
                throw LedgerStoreError.corrupt("frontier of size \(size)")
            }
            return LedgerHead(checkpoint: checkpoint, frontier: frontier)
        }
    }

    public func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> {
        guard !keys.isEmpty else { return [] }
        return try await read { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM entry WHERE nonce_key = ? AND signer = ? AND nonce = ?")
            var found = Set<NonceKey>()
            for key in keys where try Bool.fetchOne(statement, arguments: [Self.nonceKey(key), key.signer.rawValue, key.nonce]) != nil {
                found.insert(key)
            }
            return found
        }
    }

    /// Writes the block in one transaction on GRDB's writer queue. The write is not tied to the
    /// awaiting task: once started it commits or fails on its own, whatever happens to that task
    /// (a cancelled caller cannot abort a block others are waiting on).
    public func append(_ block: SealedBlock) async throws {
        let auditIndexBatch = auditIndexBatch
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            database.writer.asyncWrite({ db in
                try Self.write(block, to: db, auditIndexBatch: auditIndexBatch)
            }, completion: { _, result in
                continuation.resume(with: result)
            })
        }
    }

    /// The block's rows, inside the write transaction.
    static func write(_ block: SealedBlock, to db: Database, auditIndexBatch: Int64) throws {
        // The sequencer has already refused replays; this re-check inside the write transaction
        // keeps the store's own promise even if a caller skipped that step.
        let exists = try db.cachedStatement(sql: "SELECT 1 FROM entry WHERE nonce_key = ? AND signer = ? AND nonce = ?")
        let insertEntry = try db.cachedStatement(
            sql: "INSERT INTO entry (idx, envelope, type, signer, nonce, nonce_key) VALUES (?, ?, ?, ?, ?, ?)")
        let insertNode = try db.cachedStatement(sql: "INSERT INTO tree_node (level, idx, hash) VALUES (?, ?, ?)")
        for sequenced in block.entries {
            let tx = sequenced.transaction
            let key = Self.nonceKey(tx.nonceKey)
            if try Bool.fetchOne(exists, arguments: [key, tx.signer.rawValue, tx.nonce]) != nil {
                throw LedgerStoreError.replayedNonce
            }
            try insertEntry.execute(arguments: [
                Int64(sequenced.index), Data(tx.entry), tx.type, tx.signer.rawValue, tx.nonce, key,
            ])
            try insertNode.execute(arguments: [0, Int64(sequenced.index), Data(tx.leafHash.bytes)])
        }
        for node in block.nodes {
            try insertNode.execute(arguments: [node.id.level, Int64(node.id.index), Data(node.hash.bytes)])
        }
        for node in block.nodes {
            if let tile = HashTile(rootedAt: node.id) { try Self.pack(db, tile) }
        }
        try Self.writeEvents(db, block.events)
        if let last = block.entries.last { try Self.indexEvents(db, below: Int64(last.index) + 1, batch: auditIndexBatch) }
        try Self.writeChanges(db, block.documents)
        try CheckpointRecord(
            size: Int64(block.checkpoint.checkpoint.size),
            time: block.checkpoint.checkpoint.time,
            note: block.checkpoint.note.serialized
        ).insert(db)
    }

    public func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] {
        try await read { db in try Self.hashes(db, ids) }
    }

    public func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] {
        guard !range.isEmpty else { return [] }
        return try await read { db in
            try EntryRecord
                .filter(Column("idx") >= Int64(range.lowerBound) && Column("idx") < Int64(clamping: range.upperBound))
                .order(Column("idx"))
                .fetchAll(db)
                .map(Self.storedEntry)
        }
    }

    public func entries(at indexes: [UInt64]) async throws -> [StoredEntry] {
        let wanted = Set(indexes).sorted().map { Int64(clamping: $0) }
        guard !wanted.isEmpty else { return [] }
        return try await read { db in
            var found: [StoredEntry] = []
            // SQLite binds at most 32,766 parameters; stay well below.
            for start in stride(from: 0, to: wanted.count, by: 500) {
                let chunk = Array(wanted[start..<min(start + 500, wanted.count)])
                found += try EntryRecord.filter(chunk.contains(Column("idx"))).order(Column("idx")).fetchAll(db).map(Self.storedEntry)
            }
            return found
        }
    }

    public func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] {
        try await read { db in
            try CheckpointRecord
                .filter(Column("size") > Int64(clamping: size))
                .order(Column("size"))
                .limit(limit)
                .fetchAll(db)
                .map { StoredCheckpoint(size: UInt64($0.size), note: $0.note) }
        }
    }

    public func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? {
        try await read { db in
            try CheckpointRecord
                .filter(Column("size") >= Int64(clamping: size))
                .order(Column("size"))
                .fetchOne(db)
                .map { StoredCheckpoint(size: UInt64($0.size), note: $0.note) }
        }
    }

    /// A compact 64-bit index key for (signer, nonce): the first 8 bytes of SHA-256(signer ‖ 0x00 ‖ nonce).
    ///
    /// Indexing 8 bytes instead of the two strings keeps the replay index small, so each block
    /// dirties far fewer index pages. Lookups still compare the full signer and nonce.
    static func nonceKey(_ key: NonceKey) -> Int64 {
        let digest = SHA256.hash(data: Array(key.signer.rawValue.utf8) + [0] + Array(key.nonce.utf8))
        return digest.withUnsafeBytes { Int64(bitPattern: $0.loadUnaligned(as: UInt64.self)) }
    }

    /// A read transaction on one of GRDB's reader queues, awaited without blocking the caller's thread.
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await database.writer.read(body)
    }

    public func firstReplayedEntry() async throws -> UInt64? {
        try await read { db in
            try Int64.fetchOne(db, sql: """
                SELECT MIN(later.idx) FROM entry AS later
                JOIN entry AS earlier ON earlier.nonce_key = later.nonce_key
                    AND earlier.signer = later.signer AND earlier.nonce = later.nonce AND earlier.idx < later.idx
                """).map { UInt64($0) }
        }
    }

    static func storedEntry(_ record: EntryRecord) -> StoredEntry {
        StoredEntry(
            index: UInt64(record.idx), entry: [UInt8](record.envelope),
            type: record.type, signer: record.signer, nonce: record.nonce
        )
    }

    static func parse(_ record: CheckpointRecord) throws -> SignedCheckpoint {
        do {
            let note = try SignedNote.parse(record.note)
            return SignedCheckpoint(checkpoint: try Checkpoint.parse(note.text), note: note)
        } catch {
            throw LedgerStoreError.corrupt("checkpoint of size \(record.size)")
        }
    }

    /// Moves the hashes of a completed tile (eight tree levels) from `tree_node` into one `hash_tile`
    /// row, so a proof reads each eight levels of its path with one lookup instead of eight.
    static func pack(_ db: Database, _ tile: HashTile) throws {
        var blob = Data(capacity: HashTile.count * 32)
        let select = try db.cachedStatement(sql: "SELECT hash FROM tree_node WHERE level = ? AND idx >= ? AND idx < ? ORDER BY idx")
        let delete = try db.cachedStatement(sql: "DELETE FROM tree_node WHERE level = ? AND idx >= ? AND idx < ?")
        for step in 0..<HashTile.height {
            let level = tile.level * HashTile.height + step
            let range = tile.range(step: step)
            let arguments: StatementArguments = [level, Int64(range.lowerBound), Int64(range.upperBound)]
            let hashes = try Data.fetchAll(select, arguments: arguments)
            guard hashes.count == range.count, hashes.allSatisfy({ $0.count == 32 }) else {
                throw LedgerStoreError.corrupt("tile \(tile.level)/\(tile.index) is incomplete at level \(level)")
            }
            for hash in hashes { blob.append(hash) }
            try delete.execute(arguments: arguments)
        }
        try db.execute(
            sql: "INSERT INTO hash_tile (level, idx, hashes) VALUES (?, ?, ?)",
            arguments: [tile.level, Int64(tile.index), blob])
    }

    /// Reads hashes: those inside complete tiles from `hash_tile` (one lookup per tile), the rest in
    /// batches of up to 64 with one statement each, a join of the wanted (level, index) pairs against
    /// the primary key, so SQLite does the seeks without a round trip through Swift per hash.
    static func hashes(_ db: Database, _ ids: [TreeNodeID]) throws -> [TreeHash] {
        var found: [TreeNodeID: TreeHash] = [:]
        found.reserveCapacity(ids.count)
        var tiles: [HashTile: Data?] = [:]
        let tileStatement = try db.cachedStatement(sql: "SELECT hashes FROM hash_tile WHERE level = ? AND idx = ?")
        var rest: [TreeNodeID] = []
        for id in ids where found[id] == nil {
            let tile = HashTile(holding: id)
            if tiles[tile] == nil {
                tiles[tile] = try Data.fetchOne(tileStatement, arguments: [tile.level, Int64(clamping: tile.index)])
            }
            guard let blob = tiles[tile] ?? nil else {
                rest.append(id)
                continue
            }
            guard blob.count == HashTile.count * 32, let hash = TreeHash([UInt8](blob[tile.byteRange(of: id)])) else {
                throw LedgerStoreError.corrupt("hash tile \(tile.level)/\(tile.index)")
            }
            found[id] = hash
        }
        var start = 0
        while start < rest.count {
            let batch = rest[start..<min(start + 64, rest.count)]
            let pairs = Array(repeating: "(?, ?)", count: batch.count).joined(separator: ", ")
            let statement = try db.cachedStatement(sql: """
                SELECT t.level, t.idx, t.hash FROM (VALUES \(pairs)) AS wanted
                JOIN tree_node AS t ON t.level = wanted.column1 AND t.idx = wanted.column2
                """)
            var arguments: [(any DatabaseValueConvertible)?] = []
            arguments.reserveCapacity(batch.count * 2)
            for id in batch {
                arguments.append(id.level)
                arguments.append(Int64(clamping: id.index))
            }
            let rows = try Row.fetchCursor(statement, arguments: StatementArguments(arguments))
            while let row = try rows.next() {
                let id = TreeNodeID(level: row[0], index: UInt64(row[1] as Int64))
                guard let hash = TreeHash([UInt8](row[2] as Data)) else { throw LedgerStoreError.corrupt("hash \(id)") }
                found[id] = hash
            }
            start += batch.count
        }
        return try ids.map { id in
            guard let hash = found[id] else { throw LedgerStoreError.missingHash(id) }
            return hash
        }
    }
}
