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
        subcommands: [LedgerBenchCommand.self, ContractBenchCommand.self, HTTPBenchCommand.self, BlobBenchCommand.self, AuditBenchCommand.self]
    )
}

/// The benchmarks' ledgers, made and opened exactly as `init` and `serve` do.
struct CLIBenchLedgers: BenchLedgers {
    func initialise(path: String, logger: Logger) async throws -> BenchLedger {
        let directory = DataDirectory(path: path)
        try directory.create()
        let storage = LedgerStorage.embedded(try directory.openDatabase())
        let (node, keyPath) = try await medledger.initialise(
            directory, storage: storage, origin: "bench.medledger.localhost/log", adminKey: nil, adminName: "Bench", logger: logger
        )
        return BenchLedger(node: node, storage: storage, admin: try keyPath.map(readKeyFile))
    }

    func open(path: String, logger: Logger) async throws -> BenchLedger {
        let directory = DataDirectory(path: path)
        let storage = LedgerStorage.embedded(try directory.openDatabase())
        return BenchLedger(node: try await openLedger(directory, storage: storage, logger: logger), storage: storage, admin: nil)
    }
}

extension BenchContext {
    /// The context of a `medledger bench` run: the CLI's ledgers, progress on a terminal, warnings only.
    static var command: BenchContext {
        BenchContext(ledgers: CLIBenchLedgers(), logger: makeLogger("medledger.bench", level: .warning))
    }
}

/// Prints a benchmark's figures as one JSON object with sorted keys.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}
