import Foundation
import MedLedgerCore
import Synchronization
import Logging
import NIOSSL
import PostgresNIO

/// A PostgreSQL database shared by every node of a scaled-out MedLedger, migrated on open, through
/// two `PostgresClient` pools (postgres-nio):
///
/// - ``client``, for the ledger and credentials, commits synchronously: a block is acknowledged
///   only once PostgreSQL has flushed it.
/// - ``webStateClient``, for sessions, log-in throttles, sign-up challenges and rate-limit buckets,
///   commits asynchronously (`synchronous_commit=off`): after a database crash the last fraction
///   of a second of that state may be lost (a user signs in again, a budget refills a little
///   early), which costs nothing lasting. Waiting for a WAL flush on every request's rate-limit
///   update, all of one key's updates queued on one row lock, would cap a key at a few hundred
///   requests a second.
///
/// The clients only work while ``run()`` runs; ``with(_:logger:_:)`` runs it beside a body and
/// stops it after, which is how every command uses it. Shipped migrations are never edited;
/// schema changes are new migrations (``PostgresMigrations``).
public struct PostgresDatabase: Sendable {
    public let client: PostgresClient
    public let webStateClient: PostgresClient
    let logger: Logger

    public init(configuration: PostgresStoreConfiguration, logger: Logger) {
        var ledger = configuration.clientConfiguration
        // A node paused or cut off in the middle of a block leaves its transaction open, holding
        // the lease row's lock that every claim needs: without a limit no other node could take
        // over. PostgreSQL ends such a session after this long, which rolls the block back and
        // frees the lock (a live node never idles inside a transaction for more than milliseconds).
        ledger.options.additionalStartupParameters.append(
            ("idle_in_transaction_session_timeout", String(PostgresDatabase.idleTransactionLimitMillis)))
        self.client = PostgresClient(configuration: ledger, backgroundLogger: logger)
        var webState = configuration.clientConfiguration
        webState.options.additionalStartupParameters.append(("synchronous_commit", "off"))
        self.webStateClient = PostgresClient(configuration: webState, backgroundLogger: logger)
        self.logger = logger
    }

    /// Runs the connection pools until the surrounding task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await client.run() }
            group.addTask { await webStateClient.run() }
        }
    }

    /// Opens the database, applies pending migrations, runs `body`, and stops the pool.
    public static func with<T: Sendable>(
        _ configuration: PostgresStoreConfiguration, logger: Logger, _ body: (PostgresDatabase) async throws -> T
    ) async throws -> T {
        let database = PostgresDatabase(configuration: configuration, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            defer { group.cancelAll() }
            // Let the pool's run loop start before the first lease (postgres-nio warns otherwise).
            try await Task.sleep(for: .milliseconds(20))
            do {
                try await database.migrate()
            } catch {
                // postgres-nio reports a refused login or an unreachable server as a tripped
                // connection breaker; say what the operator can check instead.
                throw PostgresStoreError.unreachable(configuration.displayURL, "\(error)")
            }
            return try await body(database)
        }
    }

    /// How long PostgreSQL keeps a transaction whose node has gone quiet in the middle of it (ms).
    public static let idleTransactionLimitMillis = 2_000

    /// The longest a call waits for a connection. While the server is down or failing over the
    /// pool keeps trying to connect; a request must not wait with it for minutes, so after this
    /// long it fails with ``PostgresOutageError`` (a ``TransientStoreError``: 503, try again).
    public static let connectionWait: Duration = .seconds(4)

    /// Runs `body` on a pooled connection, waiting at most ``connectionWait`` for one, and
    /// answering within `deadline` overall when given.
    public func withConnection<T: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await Self.bounded(deadline: deadline) { [client] start in
            try await client.withConnection { connection in
                try start.begin()
                return try await body(connection)
            }
        }
    }

    /// Runs one short statement on a pooled connection, committed durably, waiting at most
    /// ``connectionWait`` for the connection and its first answer (credentials).
    public func query(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await Self.bounded { [client] start in
            let rows = try await client.query(query, logger: logger)
            try start.begin()
            return rows
        }
    }

    /// Runs one short statement of the web state on its own pool, committed without waiting for
    /// the flush (see the type's comment), waiting at most ``connectionWait``.
    public func webStateQuery(_ query: PostgresQuery, logger: Logger) async throws -> PostgresRowSequence {
        try await Self.bounded { [webStateClient] start in
            let rows = try await webStateClient.query(query, logger: logger)
            try start.begin()
            return rows
        }
    }

    /// Runs `body` in a transaction on a pooled connection, waiting at most ``connectionWait`` for
    /// one, and answering within `deadline` overall when given (a block's write: the sequencer must
    /// not wait on a connection the server dropped without a word).
    public func withTransaction<T: Sendable>(
        deadline: Duration? = nil, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        try await Self.bounded(deadline: deadline) { [client, logger] start in
            try await client.withTransaction(logger: logger) { connection in
                try start.begin()
                return try await body(connection)
            }
        }
    }

    /// Runs `work` in a task of its own and answers ``PostgresOutageError`` if it has not got its
    /// connection within ``connectionWait`` (or finished within `deadline`), without waiting for
    /// the work to notice: while the server is gone, a call in postgres-nio may wait on its pool or
    /// on a dropped connection long after being cancelled, and the caller (a page, the sequencer)
    /// must not wait with it. Work abandoned before it got its connection never runs its
    /// statements (``ConnectionStart/begin()`` throws); the work is cancelled either way.
    static func bounded<T: Sendable>(
        deadline: Duration? = nil, _ work: @escaping @Sendable (ConnectionStart) async throws -> T
    ) async throws -> T {
        let start = ConnectionStart()
        let answer = OutageAnswer<T>()
        return try await withCheckedThrowingContinuation { continuation in
            answer.wait(continuation)
            let worker = Task {
                do { answer.give(.success(try await work(start))) } catch { answer.give(.failure(error)) }
            }
            let watchdog = Task {
                try await Task.sleep(for: connectionWait)
                if start.abandonIfWaiting() {
                    answer.give(.failure(PostgresOutageError.noConnection))
                    worker.cancel()
                    return
                }
                guard let deadline, deadline > connectionWait else { return }
                try await Task.sleep(for: deadline - connectionWait)
                if answer.give(.failure(PostgresOutageError.noAnswer)) { worker.cancel() }
            }
            answer.onAnswer { watchdog.cancel() }
        }
    }

    /// The names of every migration this build knows, in order.
    public static var migrationNames: [String] { PostgresMigrations.all.map(\.name) }

    /// Applies the migrations not yet applied, each in its own transaction, under an advisory lock
    /// so nodes starting together migrate once.
    public func migrate() async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS medledger_migration (name TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM medledger_migration", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            for migration in PostgresMigrations.all where !applied.contains(migration.name) {
                for statement in migration.statements {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO medledger_migration (name) VALUES (\(migration.name))", logger: logger)
                logger.notice("applied PostgreSQL migration", metadata: ["migration": "\(migration.name)"])
            }
        }
    }
}
