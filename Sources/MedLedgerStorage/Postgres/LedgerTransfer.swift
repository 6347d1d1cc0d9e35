import Foundation
import GRDB
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// Copies an embedded (SQLite) ledger into an empty PostgreSQL database, so an installation can
/// move to several nodes on one shared store without losing a single entry: entries, every tree
/// hash (packed tiles unpacked), checkpoints, state objects, audit events and credentials.
///
/// The copy is one PostgreSQL transaction written in batches: it either lands whole or leaves the
/// target empty, and before it commits both heads (size, root, latest checkpoint note) must be
/// equal. The source must not be written meanwhile (its node stopped). The sequencer lease is not
/// copied: the first node to start on the target takes it.
public enum LedgerTransfer {
    /// What the copy is doing, for a progress display: `done` of `total` rows of `stage`.
    public struct Progress: Sendable, Equatable {
        public enum Stage: String, Sendable, CaseIterable {
            case entries, treeHashes, checkpoints, stateObjects, auditEvents, credentials
        }

        public let stage: Stage
        public let done: Int
        public let total: Int
    }

    /// What was copied, and the head both stores now share.
    public struct Report: Sendable, Equatable {
        public var entries = 0
        public var treeHashes = 0
        public var checkpoints = 0
        public var stateObjects = 0
        public var auditEvents = 0
        public var credentials = 0
        /// The tree size of the latest checkpoint (0 for an empty ledger).
        public var size: UInt64 = 0
        /// The serialized signed note of the latest checkpoint, as both stores hold it.
        public var checkpointNote: String?
    }

    /// Copies `source` into `target`, `batchSize` rows per statement, calling `progress` after
    /// each batch. Throws ``LedgerTransferError/targetNotEmpty`` before writing anything when the
    /// target already holds ledger data or credentials, and ``LedgerTransferError/headsDiffer(_:)``
    /// (nothing committed) when the copy's head is not the source's.
    public static func copy(
        from source: LedgerDatabase, to target: PostgresDatabase, batchSize: Int = 4096,
        progress: @Sendable (Progress) -> Void = { _ in }
    ) async throws -> Report {
        let batch = max(batchSize, 1)
        let logger = target.logger
        let sourceHead = try await SQLiteLedgerStore(database: source).head()
        let credentials = try await SQLiteCredentialStore(database: source).all()
        let totals = try await source.writer.read { db in
            [
                Progress.Stage.entries: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") ?? 0,
                .treeHashes: (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tree_node") ?? 0)
                    + (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hash_tile") ?? 0) * HashTile.count,
                .checkpoints: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM checkpoint") ?? 0,
                .stateObjects: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM state_object") ?? 0,
                .auditEvents: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM audit_event") ?? 0,
            ]
        }
        func report(_ stage: Progress.Stage, _ done: Int) {
            progress(Progress(stage: stage, done: done, total: stage == .credentials ? credentials.count : totals[stage] ?? 0))
        }
        do {
            return try await target.client.withTransaction(logger: logger) { connection in
                // The copy reads each batch from SQLite between statements; however long that
                // takes, its own transaction is not an abandoned one.
                try await connection.query("SET LOCAL idle_in_transaction_session_timeout = 0", logger: logger)
                try await refuseNonEmpty(connection, logger: logger)
                var result = Report()
                result.entries = try await copyEntries(source, connection, batch: batch, logger: logger) { report(.entries, $0) }
                result.treeHashes = try await copyTreeHashes(source, connection, batch: batch, logger: logger) { report(.treeHashes, $0) }
                result.checkpoints = try await copyCheckpoints(source, connection, batch: batch, logger: logger) { report(.checkpoints, $0) }
                result.stateObjects = try await copyStateObjects(
                    source, connection, changedAt: Int64(sourceHead.frontier.size), batch: batch, logger: logger
                ) { report(.stateObjects, $0) }
                result.auditEvents = try await copyEvents(source, connection, size: sourceHead.frontier.size, batch: batch, logger: logger) {
                    report(.auditEvents, $0)
                }
                for (position, credential) in credentials.enumerated() {
                    try await insert(credential, connection, logger: logger)
                    report(.credentials, position + 1)
                }
                result.credentials = credentials.count
                let copied = try await PostgresLedgerStore.head(on: connection, logger: logger)
                try compare(sourceHead, copied)
                result.size = copied.frontier.size
                result.checkpointNote = copied.checkpoint?.note.serialized
                logger.notice(
                    "ledger copied to PostgreSQL",
                    metadata: ["entries": "\(result.entries)", "size": "\(result.size)", "treeHashes": "\(result.treeHashes)"])
                return result
            }
        } catch let error as PostgresTransactionError {
            if let inner = error.closureError { throw inner }
            throw error
        }
    }

    static func refuseNonEmpty(_ connection: PostgresConnection, logger: Logger) async throws {
        let rows = try await connection.query(
            """
            SELECT EXISTS (SELECT 1 FROM entry) OR EXISTS (SELECT 1 FROM tree_node) OR EXISTS (SELECT 1 FROM checkpoint)
                OR EXISTS (SELECT 1 FROM state_object) OR EXISTS (SELECT 1 FROM audit_event) OR EXISTS (SELECT 1 FROM credential)
            """, logger: logger)
        for try await nonEmpty in rows.decode(Bool.self) where nonEmpty { throw LedgerTransferError.targetNotEmpty }
    }

    static func compare(_ source: LedgerHead, _ copied: LedgerHead) throws {
        guard source.frontier.size == copied.frontier.size else {
            throw LedgerTransferError.headsDiffer("sizes \(source.frontier.size) and \(copied.frontier.size)")
        }
        guard source.frontier.root == copied.frontier.root else { throw LedgerTransferError.headsDiffer("roots") }
        guard source.checkpoint?.note.serialized == copied.checkpoint?.note.serialized else {
            throw LedgerTransferError.headsDiffer("latest checkpoints")
        }
    }

    static func copyEntries(
        _ source: LedgerDatabase, _ connection: PostgresConnection, batch: Int, logger: Logger, progress: (Int) -> Void
    ) async throws -> Int {
        var next: Int64 = 0
        var done = 0
        while true {
            let rows = try await source.writer.read { [next] db in
                try Row.fetchAll(
                    db, sql: "SELECT idx, envelope, type, signer, nonce, nonce_key FROM entry WHERE idx >= ? ORDER BY idx LIMIT ?",
                    arguments: [next, batch]
                ).map { row -> (Int64, Data, String, String, String, Int64) in (row[0], row[1], row[2], row[3], row[4], row[5]) }
            }
            guard let last = rows.last else { return done }
            try await connection.query(
                """
                INSERT INTO entry (idx, envelope, type, signer, nonce, nonce_key)
                SELECT * FROM unnest(\(PostgresColumn.int64(rows.map(\.0)))::bigint[], \(PostgresColumn.bytes(rows.map { Array($0.1) }))::bytea[],
                    \(PostgresColumn.text(rows.map(\.2)))::text[], \(PostgresColumn.text(rows.map(\.3)))::text[],
                    \(PostgresColumn.text(rows.map(\.4)))::text[], \(PostgresColumn.int64(rows.map(\.5)))::bigint[])
                """, logger: logger)
            done += rows.count
            progress(done)
            next = last.0 + 1
        }
    }

    static func copyTreeHashes(
        _ source: LedgerDatabase, _ connection: PostgresConnection, batch: Int, logger: Logger, progress: (Int) -> Void
    ) async throws -> Int {
        var done = 0
        func insert(_ levels: [Int64], _ indexes: [Int64], _ hashes: [[UInt8]]) async throws {
            guard !levels.isEmpty else { return }
            try await connection.query(
                """
                INSERT INTO tree_node (level, idx, hash)
                SELECT * FROM unnest(\(PostgresColumn.int64(levels))::bigint[], \(PostgresColumn.int64(indexes))::bigint[],
                    \(PostgresColumn.bytes(hashes))::bytea[])
                """, logger: logger)
            done += levels.count
            progress(done)
        }
        // Loose nodes, as they are.
        var cursor: (Int64, Int64) = (-1, -1)
        while true {
            let rows = try await source.writer.read { [cursor] db in
                try Row.fetchAll(
                    db, sql: "SELECT level, idx, hash FROM tree_node WHERE (level, idx) > (?, ?) ORDER BY level, idx LIMIT ?",
                    arguments: [cursor.0, cursor.1, batch]
                ).map { row -> (Int64, Int64, Data) in (row[0], row[1], row[2]) }
            }
            guard let last = rows.last else { break }
            try await insert(rows.map(\.0), rows.map(\.1), rows.map { Array($0.2) })
            cursor = (last.0, last.1)
        }
        // Packed tiles, one row per hash again.
        let tilesPerBatch = max(batch / HashTile.count, 1)
        cursor = (-1, -1)
        while true {
            let tiles = try await source.writer.read { [cursor] db in
                try Row.fetchAll(
                    db, sql: "SELECT level, idx, hashes FROM hash_tile WHERE (level, idx) > (?, ?) ORDER BY level, idx LIMIT ?",
                    arguments: [cursor.0, cursor.1, tilesPerBatch]
                ).map { row -> (Int64, Int64, Data) in (row[0], row[1], row[2]) }
            }
            guard let last = tiles.last else { break }
            var levels: [Int64] = []
            var indexes: [Int64] = []
            var hashes: [[UInt8]] = []
            for (level, index, blob) in tiles {
                guard blob.count == HashTile.count * 32, level >= 0, index >= 0 else {
                    throw LedgerStoreError.corrupt("hash tile \(level)/\(index)")
                }
                let tile = HashTile(rootedAt: TreeNodeID(level: Int(level + 1) * HashTile.height, index: UInt64(index)))!
                for step in 0..<HashTile.height {
                    let treeLevel = tile.level * HashTile.height + step
                    for nodeIndex in tile.range(step: step) {
                        let id = TreeNodeID(level: treeLevel, index: nodeIndex)
                        levels.append(Int64(treeLevel))
                        indexes.append(Int64(nodeIndex))
                        hashes.append(Array(blob[tile.byteRange(of: id)]))
                    }
                }
            }
            try await insert(levels, indexes, hashes)
            cursor = (last.0, last.1)
        }
        return done
    }

    static func copyCheckpoints(
        _ source: LedgerDatabase, _ connection: PostgresConnection, batch: Int, logger: Logger, progress: (Int) -> Void
    ) async throws -> Int {
        var after: Int64 = -1
        var done = 0
        while true {
            let rows = try await source.writer.read { [after] db in
                try CheckpointRecord.filter(Column("size") > after).order(Column("size")).limit(batch).fetchAll(db)
            }
            guard let last = rows.last else { return done }
            try await connection.query(
                """
                INSERT INTO checkpoint (size, time, note)
                SELECT * FROM unnest(\(rows.map(\.size))::bigint[], \(rows.map(\.time))::bigint[], \(rows.map(\.note))::text[])
                """, logger: logger)
            done += rows.count
            progress(done)
            after = last.size
        }
    }

    static func copyStateObjects(
        _ source: LedgerDatabase, _ connection: PostgresConnection, changedAt: Int64, batch: Int, logger: Logger, progress: (Int) -> Void
    ) async throws -> Int {
        var cursor: (String, String) = ("", "")
        var first = true
        var done = 0
        while true {
            let rows = try await source.writer.read { [cursor, first] db in
                try Row.fetchAll(
                    db,
                    sql: first
                        ? "SELECT kind, id, document FROM state_object ORDER BY kind, id LIMIT ?"
                        : "SELECT kind, id, document FROM state_object WHERE (kind, id) > (?, ?) ORDER BY kind, id LIMIT ?",
                    arguments: first ? [batch] : [cursor.0, cursor.1, batch]
                ).map { row -> (String, String, Data) in (row[0], row[1], row[2]) }
            }
            guard let last = rows.last else { return done }
            try await connection.query(
                """
                INSERT INTO state_object (kind, id, document, changed_at)
                SELECT k, i, d, \(changedAt)::bigint
                FROM unnest(\(rows.map(\.0))::text[], \(rows.map(\.1))::text[], \(rows.map { ByteBuffer(data: $0.2) })::bytea[]) AS w(k, i, d)
                """, logger: logger)
            done += rows.count
            progress(done)
            cursor = (last.0, last.1)
            first = false
        }
    }

    static func copyEvents(
        _ source: LedgerDatabase, _ connection: PostgresConnection, size: UInt64, batch: Int, logger: Logger, progress: (Int) -> Void
    ) async throws -> Int {
        let store = SQLiteLedgerStore(database: source)
        var done = 0
        var start: UInt64 = 0
        while start < size {
            let end = min(start + UInt64(batch), size)
            let events = try await store.events(entries: start..<end)
            if !events.isEmpty {
                try await PostgresLedgerStore.insertEvents(try AuditEventColumns(events), on: connection, logger: logger)
                done += events.count
                progress(done)
            }
            start = end
        }
        return done
    }

    static func insert(_ credential: Credential, _ connection: PostgresConnection, logger: Logger) async throws {
        try await connection.query(
            """
            INSERT INTO credential (username, address, public_key, role, salt, iterations, wrapped_key, auth_hash, auth_salt,
                created_at, updated_at)
            VALUES (\(credential.username), \(credential.address.rawValue), \(credential.publicKey), \(credential.role.rawValue),
                \(credential.salt), \(Int64(credential.iterations)), \(credential.wrappedKey), \(ByteBuffer(bytes: credential.authHash)),
                \(ByteBuffer(bytes: credential.authSalt)), \(credential.createdAt), \(credential.updatedAt))
            """, logger: logger)
    }
}
