import Logging
import MedLedgerCore
import PostgresNIO

/// Log-in throttles in PostgreSQL, so failures on every node count against one pair
/// (``LoginThrottleStore``, ``LoginThrottleRules``).
///
/// A failure is one upsert that adds to the row under its lock, so two nodes recording a failure
/// at the same moment both count. Pairs whose failures are forgotten (`maxWait` after the last)
/// are deleted when read and, every ``sweepEvery`` failures this store records, all at once.
public struct PostgresLoginThrottle: LoginThrottleStore {
    /// Failures recorded between sweeps of forgotten pairs.
    public static let sweepEvery = 256

    let database: PostgresDatabase
    public let rules: LoginThrottleRules
    private let recorded = SweepCounter()

    public init(database: PostgresDatabase, rules: LoginThrottleRules = LoginThrottleRules()) {
        self.database = database
        self.rules = rules
    }

    private var logger: Logger { database.logger }

    public func retryAfter(username: String, client: String, now: Int64) async throws -> Int64? {
        let name = username.lowercased()
        let rows = try await database.webStateQuery(
            "SELECT failures, last FROM web_login_throttle WHERE username = \(name) AND client = \(client)", logger: logger)
        var record: (failures: Int64, last: Int64)?
        for try await row in rows.decode((Int64, Int64).self) { record = row }
        guard let record else { return nil }
        if rules.isForgotten(last: record.last, now: now) {
            let forgottenBefore = now - rules.maxWait
            try await database.webStateQuery(
                "DELETE FROM web_login_throttle WHERE username = \(name) AND client = \(client) AND last <= \(forgottenBefore)", logger: logger)
            return nil
        }
        return rules.retryAfter(failures: Int(clamping: record.failures), last: record.last, now: now)
    }

    public func recordFailure(username: String, client: String, now: Int64) async throws {
        let name = username.lowercased()
        let maxWait = rules.maxWait
        try await database.webStateQuery(
            """
            INSERT INTO web_login_throttle AS t (username, client, failures, last) VALUES (\(name), \(client), 1, \(now))
            ON CONFLICT (username, client) DO UPDATE SET
                failures = CASE WHEN \(now) - t.last >= \(maxWait) THEN 1 ELSE t.failures + 1 END,
                last = GREATEST(t.last, \(now))
            """, logger: logger)
        if recorded.next() % Self.sweepEvery == 0 {
            let forgottenBefore = now - maxWait
            try await database.webStateQuery("DELETE FROM web_login_throttle WHERE last <= \(forgottenBefore)", logger: logger)
        }
    }

    public func recordSuccess(username: String, client: String) async throws {
        let name = username.lowercased()
        try await database.webStateQuery("DELETE FROM web_login_throttle WHERE username = \(name) AND client = \(client)", logger: logger)
    }
}
