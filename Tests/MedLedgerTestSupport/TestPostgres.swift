import Foundation
import Logging
import MedLedgerStorage
import PostgresNIO

/// A real PostgreSQL server for the tests: the cluster `scripts/test` started (named by
/// `MEDLEDGER_TEST_POSTGRES_URL` and `MEDLEDGER_TEST_POSTGRES_PASSWORD`), or else one this test
/// process starts itself with `scripts/postgres-cluster` and removes when it exits. Each caller of
/// ``freshDatabase()`` gets a database of its own, so suites running in parallel never meet.
public actor TestPostgres {
    public static let shared = TestPostgres()

    private var server: (configuration: PostgresStoreConfiguration, password: String)?

    /// A new, empty database on the test server.
    public func freshDatabase() async throws -> PostgresStoreConfiguration {
        let (server, password) = try startedServer()
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        var admin = server
        admin.database = "postgres"
        let logger = Logger(label: "medledger.tests.postgres")
        let client = PostgresClient(configuration: admin.clientConfiguration, backgroundLogger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"), logger: logger)
        }
        var configuration = server
        configuration.database = name
        configuration.password = password
        return configuration
    }

    private func startedServer() throws -> (PostgresStoreConfiguration, String) {
        if let server { return server }
        let environment = ProcessInfo.processInfo.environment
        let url: String
        let password: String
        if let given = environment["MEDLEDGER_TEST_POSTGRES_URL"], !given.isEmpty {
            url = given
            password = environment["MEDLEDGER_TEST_POSTGRES_PASSWORD"] ?? ""
        } else {
            (url, password) = try Self.startCluster()
        }
        let configuration = try PostgresStoreConfiguration(url: url, password: password)
        server = (configuration, password)
        return (configuration, password)
    }

    /// Starts a cluster with the repository's script in a temporary directory, stopped at exit.
    private static func startCluster() throws -> (url: String, password: String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = root.appendingPathComponent("scripts/postgres-cluster").path
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-pg-\(UUID().uuidString)").path
        let status = try run(script, ["start", directory])
        guard status == 0 else {
            throw TestPostgresError("scripts/postgres-cluster start failed (status \(status)); is Debian's postgresql installed?")
        }
        let url = try String(contentsOfFile: directory + "/url", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let password = try String(contentsOfFile: directory + "/password", encoding: .utf8)
        ClusterCleanup.register(script: script, directory: directory)
        return (url, password)
    }
}

/// Runs `path` with `arguments` and waits for it: posix_spawn and waitpid rather than Foundation's
/// `Process`, whose wait does not return here once the script has left a server running.
private func run(_ path: String, _ arguments: [String]) throws -> Int32 {
    var pid: pid_t = 0
    let argv: [UnsafeMutablePointer<CChar>?] = ([path] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    let spawned = posix_spawn(&pid, path, nil, nil, argv, environ)
    guard spawned == 0 else { throw TestPostgresError("cannot run \(path): error \(spawned)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 {
        guard errno == EINTR else { throw TestPostgresError("waiting for \(path) failed: error \(errno)") }
    }
    return (status >> 8) & 0xFF
}

/// Stops the cluster this process started when it exits.
private enum ClusterCleanup {
    nonisolated(unsafe) static var command: (script: String, directory: String)?

    static func register(script: String, directory: String) {
        command = (script, directory)
        atexit {
            guard let (script, directory) = ClusterCleanup.command else { return }
            _ = try? run(script, ["stop", directory])
        }
    }
}

public struct TestPostgresError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
