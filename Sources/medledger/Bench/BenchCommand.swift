import ArgumentParser
import Foundation
import Logging
import MedLedgerBench
import MedLedgerNode
import MedLedgerStorage

/// `medledger bench …`: benchmarks that print JSON. Each subcommand parses its options and hands
/// them, with the ledger wiring below, to its benchmark in `MedLedgerBench`.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures.",
        subcommands: [LedgerBenchCommand.self, ContractBenchCommand.self, HTTPBenchCommand.self, FHIRBenchCommand.self, BlobBenchCommand.self, AuditBenchCommand.self]
    )
}

/// The benchmarks' ledgers, made and opened exactly as `init` and `serve` do: on a data
/// directory's SQLite database, or with `shared` on a PostgreSQL database (which must hold no
/// ledger yet; the data directory then keeps only the keys and content).
struct CLIBenchLedgers: BenchLedgers {
    var shared: PostgresDatabase?

    func storage(_ directory: DataDirectory) throws -> LedgerStorage {
        if let shared { return .shared(shared) }
        return .embedded(try directory.openDatabase())
    }

    func initialise(path: String, logger: Logger) async throws -> BenchLedger {
        let directory = DataDirectory(path: path)
        try directory.create()
        let storage = try storage(directory)
        let (node, keyPath) = try await medledger.initialise(
            directory, storage: storage, origin: "bench.medledger.localhost/log", adminKey: nil, adminName: "Bench", logger: logger
        )
        return BenchLedger(node: node, storage: storage, admin: try keyPath.map(readKeyFile))
    }

    func open(path: String, logger: Logger) async throws -> BenchLedger {
        let directory = DataDirectory(path: path)
        let storage = try storage(directory)
        return BenchLedger(node: try await openLedger(directory, storage: storage, logger: logger), storage: storage, admin: nil)
    }
}

extension BenchContext {
    /// The context of a `medledger bench` run: the CLI's ledgers, progress on a terminal, warnings only.
    static var command: BenchContext { command(shared: nil) }

    /// The same on a PostgreSQL database (`--store`).
    static func command(shared: PostgresDatabase?) -> BenchContext {
        BenchContext(ledgers: CLIBenchLedgers(shared: shared), logger: makeLogger("medledger.bench", level: .warning))
    }
}

/// Runs `body` with the PostgreSQL database `--store` names open, or with nil without `--store`.
func withBenchStore<T: Sendable>(_ store: String?, passwordFile: String?, _ body: (PostgresDatabase?) async throws -> T) async throws -> T {
    var options = DataOptions()
    options.store = store
    options.storePasswordFile = passwordFile
    guard let configuration = try options.postgresConfiguration() else { return try await body(nil) }
    return try await PostgresDatabase.with(configuration, logger: makeLogger("medledger.bench", level: .warning)) { try await body($0) }
}

/// Prints a benchmark's figures as one JSON object with sorted keys.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
