import MedLedgerStorage
import MedLedgerTestSupport
import Logging
import PostgresNIO
import Testing

@Suite("PostgreSQL database")
struct PostgresDatabaseTests {
    @Test func migratingTwiceAppliesEachMigrationOnce() async throws {
        let configuration = try await TestPostgres.shared.freshDatabase()
        let logger = Logger(label: "test")
        try await PostgresDatabase.with(configuration, logger: logger) { _ in }
        let count = try await PostgresDatabase.with(configuration, logger: logger) { database in
            var names: [String] = []
            for try await name in try await database.client.query("SELECT name FROM medledger_migration", logger: logger).decode(String.self) {
                names.append(name)
            }
            return names.count
        }
        #expect(count == Set(PostgresDatabase.migrationNames).count)
    }

    @Test func tlsOptionsAreReadFromTheURL() throws {
        let plain = try PostgresStoreConfiguration(url: "postgres://medledger@db.example:6543/ledger?sslmode=disable", password: "p")
        #expect(plain.tls == .disable)
        #expect(plain.port == 6543)
        #expect(plain.database == "ledger")
        #expect(plain.displayURL == "postgres://medledger@db.example:6543/ledger?sslmode=disable")
        let checked = try PostgresStoreConfiguration(url: "postgresql://app@db.example/ledger?sslmode=require&sslrootcert=/etc/ca.pem", password: nil)
        #expect(checked.tls == .require)
        #expect(checked.rootCertificates == "/etc/ca.pem")
        #expect(checked.username == "app")
        #expect(try PostgresStoreConfiguration(url: "postgres://db.example/ledger", password: nil).tls == .prefer)
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://h/db?sslrootcert=", password: nil) }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://h/db?options=-c", password: nil) }
    }

    @Test func aPasswordInTheURLIsRefused() {
        #expect(throws: PostgresStoreError.self) {
            try PostgresStoreConfiguration(url: "postgres://u:secret@localhost/db", password: nil)
        }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://localhost", password: nil) }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "mysql://localhost/db", password: nil) }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://h/db?sslmode=maybe", password: nil) }
    }
}

@Suite("PostgreSQL outages")
struct PostgresOutageTests {
    @Test("a call on a database that cannot be reached fails as an outage (503, try again) instead of waiting with the pool, which never gives up")
    func unreachableDatabaseFailsFast() async throws {
        // A port nothing listens on: the pool keeps trying to connect, and the call must not wait with it.
        let configuration = try PostgresStoreConfiguration(url: "postgres://medledger@127.0.0.1:1/none?sslmode=disable", password: "x")
        let database = PostgresDatabase(configuration: configuration, logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await database.run() }
            await #expect(throws: PostgresOutageError.self) {
                try await database.withTransaction { connection in try await connection.query("SELECT 1", logger: Logger(label: "test")) }
            }
            await #expect(throws: PostgresOutageError.self) {
                _ = try await database.webStateQuery("SELECT 1", logger: Logger(label: "test"))
            }
            group.cancelAll()
        }
    }

    @Test("a lease claim or a read of the sequencer's that the server does not answer fails within the deadline instead of holding the node for good")
    func unansweredSequencingCallsFailInTime() async throws {
        let configuration = try await TestPostgres.shared.freshDatabase()
        let logger = Logger(label: "medledger.tests.postgres-outage")
        try await PostgresDatabase.with(configuration, logger: logger) { database in
            let store = PostgresLedgerStore(database: database)
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Another session locks the tables those calls read and stays busy: the calls get
                // their connections, send their statements and hear nothing back.
                group.addTask {
                    try await database.withTransaction { connection in
                        try await connection.query("LOCK TABLE sequencer_lease, checkpoint, entry IN ACCESS EXCLUSIVE MODE", logger: logger)
                        try await connection.query("SELECT pg_sleep(7)", logger: logger)
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                let started = ContinuousClock.now
                async let claim = Self.failure { _ = try await store.claimLease(holder: "a", endpoint: "local:a", ttlMillis: 1_000) }
                async let head = Self.failure { _ = try await store.head() }
                let (claimFailure, headFailure) = await (claim, head)
                #expect(claimFailure as? PostgresOutageError == .noAnswer)
                #expect(headFailure as? PostgresOutageError == .noAnswer)
                #expect(ContinuousClock.now - started < .seconds(6.5))
                try await group.waitForAll()
            }
        }
    }

    /// The error `body` throws, or nil.
    static func failure(_ body: @Sendable () async throws -> Void) async -> (any Error)? {
        do {
            try await body()
            return nil
        } catch {
            return error
        }
    }
}
