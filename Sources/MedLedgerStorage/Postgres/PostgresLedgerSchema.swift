/// The ledger's tables in PostgreSQL: the same data as the embedded SQLite database, laid out for
/// a store several nodes share.
///
/// Tree hashes stay one row per perfect subtree (leaves included) rather than SQLite's packed tiles:
/// a block's hashes go in with one set-based insert, and a proof's few lookups are one query on
/// the primary key, so packing would only add a read-modify-write to every block that completes a
/// tile. Audit events keep every key in the table itself, indexed by PostgreSQL inside the block's
/// transaction (B-tree on the single keys, GIN on the lists of further patients and records), so
/// there is no separate key table or watermark as in SQLite.
///
/// Migrations are never edited once shipped; changes are new migrations named `ledger-N-…`.
enum PostgresLedgerSchema {
    static let migrations: [PostgresMigration] = [
        PostgresMigration("ledger-1-entries", [
            """
            CREATE TABLE entry (
                idx BIGINT PRIMARY KEY,
                envelope BYTEA NOT NULL,
                type TEXT NOT NULL,
                signer TEXT NOT NULL,
                nonce TEXT NOT NULL,
                nonce_key BIGINT NOT NULL
            )
            """,
            "CREATE INDEX entry_nonce_key ON entry (nonce_key)",
            """
            CREATE TABLE tree_node (
                level INTEGER NOT NULL,
                idx BIGINT NOT NULL,
                hash BYTEA NOT NULL,
                PRIMARY KEY (level, idx)
            )
            """,
            """
            CREATE TABLE checkpoint (
                size BIGINT PRIMARY KEY,
                time BIGINT NOT NULL,
                note TEXT NOT NULL
            )
            """,
        ]),
        PostgresMigration("ledger-2-contracts", [
            // changed_at: the tree size after the block that last changed the object, so a node
            // following the store reads only what changed since the size it has applied.
            """
            CREATE TABLE state_object (
                kind TEXT NOT NULL,
                id TEXT NOT NULL,
                document BYTEA NOT NULL,
                changed_at BIGINT NOT NULL,
                PRIMARY KEY (kind, id)
            )
            """,
            "CREATE INDEX state_object_changed_at ON state_object (changed_at)",
            """
            CREATE TABLE audit_event (
                idx BIGINT PRIMARY KEY,
                time BIGINT NOT NULL,
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
                version BIGINT,
                break_glass BOOLEAN NOT NULL,
                other_patients TEXT[] NOT NULL DEFAULT '{}',
                other_records TEXT[] NOT NULL DEFAULT '{}'
            )
            """,
            "CREATE INDEX audit_event_record ON audit_event (record, idx)",
            "CREATE INDEX audit_event_patient ON audit_event (patient, idx)",
            "CREATE INDEX audit_event_actor ON audit_event (actor, idx)",
            "CREATE INDEX audit_event_action ON audit_event (action, idx)",
            "CREATE INDEX audit_event_time ON audit_event (time)",
            "CREATE INDEX audit_event_other_patients ON audit_event USING GIN (other_patients)",
            "CREATE INDEX audit_event_other_records ON audit_event USING GIN (other_records)",
        ]),
        PostgresMigration("ledger-3-credentials", [
            // Usernames are unique without regard to case, as in SQLite's NOCASE key.
            """
            CREATE TABLE credential (
                username TEXT NOT NULL,
                address TEXT NOT NULL UNIQUE,
                public_key TEXT NOT NULL,
                role TEXT NOT NULL,
                salt TEXT NOT NULL,
                iterations BIGINT NOT NULL,
                wrapped_key TEXT NOT NULL,
                auth_hash BYTEA NOT NULL,
                auth_salt BYTEA NOT NULL,
                created_at BIGINT NOT NULL,
                updated_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX credential_username ON credential (lower(username))",
        ]),
        PostgresMigration("ledger-4-sequencer-lease", [
            // One row at most: who sequences, where to forward writes, the fencing epoch, and
            // until when (the database's clock).
            """
            CREATE TABLE sequencer_lease (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                holder TEXT NOT NULL,
                endpoint TEXT NOT NULL,
                epoch BIGINT NOT NULL,
                expires TIMESTAMPTZ NOT NULL
            )
            """,
        ]),
        // The SMART app whose token made a read (NULL for everything else).
        PostgresMigration("ledger-5-audit-app", [
            "ALTER TABLE audit_event ADD COLUMN app TEXT",
        ]),
    ]
}
