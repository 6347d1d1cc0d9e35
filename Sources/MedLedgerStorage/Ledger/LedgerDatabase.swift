import Foundation
import GRDB

/// The node's SQLite database: one `DatabasePool` in WAL mode, written with `synchronous=FULL` so a
/// committed block survives power loss, and migrated on open. The WAL is checkpointed in the
/// background (``WALCheckpointer``), never inside a block's commit: the owner of the process runs
/// ``checkpointer`` (`serve` as a service beside the node, other commands through
/// ``withBackgroundCheckpoints(_:)``).
///
/// Shipped migrations are never edited; schema changes are new migrations.
public struct LedgerDatabase: Sendable {
    /// The writer every store in this process shares.
    public let writer: any DatabaseWriter
    /// The background checkpoints of a file database, to be run by whoever writes (nil in memory).
    public let checkpointer: WALCheckpointer?

    /// Opens (creating if needed) the database at `path`.
    public static func open(path: String) throws -> LedgerDatabase {
        var configuration = configuration()
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        let pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB sets `synchronous = NORMAL` on the writer when it switches it to WAL, after
        // prepareDatabase ran; put FULL back so every committed block is fsynced before it is
        // acknowledged.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        return try LedgerDatabase(writer: pool, checkpointer: WALCheckpointer(path: path))
    }

    /// An in-memory database for tests.
    public static func inMemory() throws -> LedgerDatabase {
        try LedgerDatabase(writer: DatabaseQueue(configuration: configuration()))
    }

    /// Runs `body` with the background checkpoints running beside it, then stops them after a
    /// last checkpoint: for commands that write without a service group (init, demo seed,
    /// benchmarks), so their log is copied as `serve`'s is.
    public func withBackgroundCheckpoints<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let checkpointer else { return try await body() }
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await checkpointer.run() }
            do {
                let value = try await body()
                group.cancelAll()
                try await group.waitForAll()
                return value
            } catch {
                group.cancelAll()
                throw error
            }
        }
    }

    init(writer: any DatabaseWriter, checkpointer: WALCheckpointer? = nil) throws {
        self.writer = writer
        self.checkpointer = checkpointer
        try Self.migrator.migrate(writer)
    }

    static func configuration() -> Configuration {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Up to 256 MiB of page cache per connection (allocated only as pages are used) keeps
            // the replay index and tree hashes of a ten-million-entry ledger in memory.
            try db.execute(sql: "PRAGMA cache_size = -262144")
        }
        config.busyMode = .timeout(10)
        return config
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-ledger") { db in
            try db.execute(sql: """
                CREATE TABLE entry (
                    idx INTEGER PRIMARY KEY,
                    envelope BLOB NOT NULL,
                    type TEXT NOT NULL,
                    signer TEXT NOT NULL,
                    nonce TEXT NOT NULL,
                    nonce_key INTEGER NOT NULL
                );
                CREATE INDEX entry_nonce_key ON entry(nonce_key);
                CREATE TABLE tree_node (
                    level INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    hash BLOB NOT NULL,
                    PRIMARY KEY (level, idx)
                ) WITHOUT ROWID;
                CREATE TABLE hash_tile (
                    level INTEGER NOT NULL,
                    idx INTEGER NOT NULL,
                    hashes BLOB NOT NULL,
                    PRIMARY KEY (level, idx)
                ) WITHOUT ROWID;
                CREATE TABLE checkpoint (
                    size INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    note TEXT NOT NULL
                );
                """)
        }
        migrator.registerMigration("v2-contracts") { db in
            // Contract state: one JSON document per object, replaced when a block changes it.
            // Audit events: one row per contract transaction, keyed by its entry index and indexed by
            // time. Their record, patient, actor and action keys go to audit_key in batches of
            // thousands of events (see SQLiteLedgerStore.indexEvents); audit_key_state.upto says
            // which entries are covered, and queries scan the short tail above it.
            try db.execute(sql: """
                CREATE TABLE state_object (
                    kind TEXT NOT NULL,
                    id TEXT NOT NULL,
                    document BLOB NOT NULL,
                    PRIMARY KEY (kind, id)
                ) WITHOUT ROWID;
                CREATE TABLE audit_event (
                    idx INTEGER PRIMARY KEY,
                    time INTEGER NOT NULL,
                    action TEXT NOT NULL,
                    status TEXT NOT NULL,
                    outcome TEXT NOT NULL,
                    message TEXT NOT NULL,
                    actor TEXT NOT NULL,
                    actor_role TEXT,
                    patient TEXT,
                    doctor TEXT,
                    auditor TEXT,
                    record TEXT,
                    version INTEGER,
                    break_glass INTEGER NOT NULL
                );
                CREATE INDEX audit_event_time ON audit_event(time);
                CREATE TABLE audit_key (
                    kind INTEGER NOT NULL,
                    key TEXT NOT NULL,
                    idx INTEGER NOT NULL,
                    PRIMARY KEY (kind, key, idx)
                ) WITHOUT ROWID;
                CREATE TABLE audit_key_state (
                    id INTEGER PRIMARY KEY CHECK (id = 0),
                    upto INTEGER NOT NULL
                );
                INSERT INTO audit_key_state (id, upto) VALUES (0, 0);
                """)
        }
        migrator.registerMigration("v3-credentials") { db in
            // Sign-in credentials: no health data and no usable key (see Credential).
            try db.execute(sql: """
                CREATE TABLE credential (
                    username TEXT NOT NULL PRIMARY KEY COLLATE NOCASE,
                    address TEXT NOT NULL UNIQUE,
                    public_key TEXT NOT NULL,
                    role TEXT NOT NULL,
                    salt TEXT NOT NULL,
                    iterations INTEGER NOT NULL,
                    wrapped_key TEXT NOT NULL,
                    auth_hash BLOB NOT NULL,
                    auth_salt BLOB NOT NULL,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-audit-subjects") { db in
            // An event may name several patients and records (a page view that showed several):
            // the first stays in `patient` and `record`, the others are JSON arrays of strings
            // here (NULL when there are none). Each of them is an audit_key like the first, so a
            // patient's events and a record's trail find the event through any of them.
            try db.execute(sql: """
                ALTER TABLE audit_event ADD COLUMN other_patients TEXT;
                ALTER TABLE audit_event ADD COLUMN other_records TEXT;
                """)
        }
        migrator.registerMigration("v5-audit-app") { db in
            // The SMART app whose token made a read; NULL for everything else.
            try db.execute(sql: "ALTER TABLE audit_event ADD COLUMN app TEXT")
        }
        return migrator
    }
}
