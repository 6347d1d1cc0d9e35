import Foundation
import GRDB
import MedLedgerCore

/// ``LedgerStore`` on SQLite: entries, perfect-subtree hashes and checkpoints, each block in one
/// transaction. Leaf hashes live on the entry row; `tree_node` holds every perfect subtree above.
///
/// Reads run synchronously on the calling thread: they are short indexed lookups, and a hop to a
/// reader queue and back costs several times more than the lookup itself. The block write, which
/// waits for fsync, runs on GRDB's writer queue.
public struct SQLiteLedgerStore: LedgerStore {
    let database: LedgerDatabase

    public init(database: LedgerDatabase) {
        self.database = database
    }

    public func head() async throws -> LedgerHead {
        try readNow { db in
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
        return try readNow { db in
            let statement = try db.cachedStatement(sql: "SELECT 1 FROM entry WHERE signer = ? AND nonce = ?")
            var found = Set<NonceKey>()
            for key in keys where try Bool.fetchOne(statement, arguments: [key.signer.rawValue, key.nonce]) != nil {
                found.insert(key)
            }
            return found
        }
    }

    public func append(_ block: SealedBlock) async throws {
        try await database.writer.write { db in
            let insertEntry = try db.cachedStatement(
                sql: "INSERT INTO entry (idx, envelope, leaf_hash, type, signer, nonce) VALUES (?, ?, ?, ?, ?, ?)")
            for sequenced in block.entries {
                let tx = sequenced.transaction
                do {
                    try insertEntry.execute(arguments: [
                        Int64(sequenced.index), Data(tx.entry), Data(tx.leafHash.bytes), tx.type, tx.signer.rawValue, tx.nonce,
                    ])
                } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                    throw LedgerStoreError.replayedNonce
                }
            }
            let insertNode = try db.cachedStatement(sql: "INSERT INTO tree_node (level, idx, hash) VALUES (?, ?, ?)")
            for node in block.nodes {
                try insertNode.execute(arguments: [node.id.level, Int64(node.id.index), Data(node.hash.bytes)])
            }
            try CheckpointRecord(
                size: Int64(block.checkpoint.checkpoint.size),
                time: block.checkpoint.checkpoint.time,
                note: block.checkpoint.note.serialized
            ).insert(db)
        }
    }

    public func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] {
        try readNow { db in try Self.hashes(db, ids) }
    }

    public func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] {
        guard !range.isEmpty else { return [] }
        return try readNow { db in
            try EntryRecord
                .filter(Column("idx") >= Int64(range.lowerBound) && Column("idx") < Int64(clamping: range.upperBound))
                .order(Column("idx"))
                .fetchAll(db)
                .map(Self.storedEntry)
        }
    }

    public func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] {
        try readNow { db in
            try CheckpointRecord
                .filter(Column("size") > Int64(clamping: size))
                .order(Column("size"))
                .limit(limit)
                .fetchAll(db)
                .map { StoredCheckpoint(size: UInt64($0.size), note: $0.note) }
        }
    }

    public func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? {
        try readNow { db in
            try CheckpointRecord
                .filter(Column("size") >= Int64(clamping: size))
                .order(Column("size"))
                .fetchOne(db)
                .map { StoredCheckpoint(size: UInt64($0.size), note: $0.note) }
        }
    }

    /// A read transaction on the calling thread (the synchronous overload, chosen outside async code).
    private func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try database.writer.read(body)
    }

    static func storedEntry(_ record: EntryRecord) -> StoredEntry {
        StoredEntry(
            index: UInt64(record.idx), entry: [UInt8](record.envelope), leafHash: [UInt8](record.leafHash),
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

    static func hashes(_ db: Database, _ ids: [TreeNodeID]) throws -> [TreeHash] {
        let leaf = try db.cachedStatement(sql: "SELECT leaf_hash FROM entry WHERE idx = ?")
        let node = try db.cachedStatement(sql: "SELECT hash FROM tree_node WHERE level = ? AND idx = ?")
        return try ids.map { id in
            let data: Data? =
                if id.level == 0 {
                    try Data.fetchOne(leaf, arguments: [Int64(clamping: id.index)])
                } else {
                    try Data.fetchOne(node, arguments: [id.level, Int64(clamping: id.index)])
                }
            guard let data else { throw LedgerStoreError.missingHash(id) }
            guard let hash = TreeHash([UInt8](data)) else { throw LedgerStoreError.corrupt("hash \(id)") }
            return hash
        }
    }
}
