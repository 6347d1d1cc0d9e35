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

    @Test func aPasswordInTheURLIsRefused() {
        #expect(throws: PostgresStoreError.self) {
            try PostgresStoreConfiguration(url: "postgres://u:secret@localhost/db", password: nil)
        }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://localhost", password: nil) }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "mysql://localhost/db", password: nil) }
        #expect(throws: PostgresStoreError.self) { try PostgresStoreConfiguration(url: "postgres://h/db?sslmode=maybe", password: nil) }
    }
}
