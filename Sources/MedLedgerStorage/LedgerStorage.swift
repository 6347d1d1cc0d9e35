import MedLedgerCore
import ServiceLifecycle

/// The stores of one ledger, on the embedded SQLite database of a data directory or on a
/// PostgreSQL database several nodes share: what the command-line tool opens once and hands to
/// the node, the web application and the tools.
public struct LedgerStorage: Sendable {
    /// Entries, tree hashes, checkpoints, audit events and contract state.
    public let ledger: any LedgerStore
    /// Sign-in credentials.
    public let credentials: any CredentialStore
    /// The embedded database; nil on PostgreSQL.
    public let embedded: LedgerDatabase?
    /// The shared database; nil on the embedded default.
    public let shared: PostgresDatabase?

    /// The data directory's SQLite database.
    public static func embedded(_ database: LedgerDatabase) -> LedgerStorage {
        LedgerStorage(
            ledger: SQLiteLedgerStore(database: database), credentials: SQLiteCredentialStore(database: database), embedded: database,
            shared: nil)
    }

    /// A PostgreSQL database (its pool must be running: ``PostgresDatabase/with(_:logger:_:)``).
    public static func shared(_ database: PostgresDatabase) -> LedgerStorage {
        LedgerStorage(
            ledger: PostgresLedgerStore(database: database), credentials: PostgresCredentialStore(database: database), embedded: nil,
            shared: database)
    }

    /// What must run beside the node while it writes: SQLite's WAL checkpointer (none on PostgreSQL).
    public var services: [any Service] {
        embedded?.checkpointer.map { [$0] } ?? []
    }

    /// Runs `body` with that background work running (for commands without a service group).
    public func withBackgroundWork<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        guard let embedded else { return try await body() }
        return try await embedded.withBackgroundCheckpoints(body)
    }
}
