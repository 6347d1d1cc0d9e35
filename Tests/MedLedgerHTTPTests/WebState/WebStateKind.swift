import Crypto
import Logging
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Where a test keeps the web state: one node's memory, or a fresh PostgreSQL database. The same
/// behaviour tests run against both.
enum WebStateKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case memory, postgres

    var testDescription: String { rawValue }

    /// Runs `body` with a fresh web state of this kind on `clock`; for PostgreSQL also hands over
    /// the database, open for as long as the body runs.
    func with<T: Sendable>(
        clock: TestClock, secret: SymmetricKey = SymmetricKey(size: .bits256),
        _ body: (WebSharedState, PostgresDatabase?) async throws -> T
    ) async throws -> T {
        switch self {
        case .memory:
            return try await body(.inMemory(clock: clock.read), nil)
        case .postgres:
            let configuration = try await TestPostgres.shared.freshDatabase()
            return try await PostgresDatabase.with(configuration, logger: Logger(label: "medledger.tests.webstate")) { database in
                try await body(.postgres(database, secret: secret, clock: clock.read), database)
            }
        }
    }
}
