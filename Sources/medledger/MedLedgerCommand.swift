import ArgumentParser
import Foundation
import MedLedgerStorage

/// `medledger`: the only place where storage, node and HTTP are wired together.
@main
struct MedLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "medledger",
        abstract: "Patient-controlled medical records on a verifiable ledger.",
        subcommands: [InitCommand.self, ServeCommand.self, VerifyCommand.self, MigrateCommand.self, KeysCommand.self, TxCommand.self, UploadCommand.self, PasswdCommand.self, AuditCommand.self, WitnessCommand.self, BenchCommand.self, ContractsCommand.self]
    )
}

/// Options every command shares: where the ledger lives.
struct DataOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory: keys, encrypted content and, without --store, the SQLite ledger.")
    var data: String = "./data"

    @Option(name: .long, help: ArgumentHelp(
        "Keep the ledger in PostgreSQL instead of the data directory's SQLite file, so several nodes can share it: postgres://USER@HOST:PORT/DATABASE?sslmode=disable|prefer|require. The password comes from MEDLEDGER_PG_PASSWORD or --store-password-file. Every node of one ledger uses the same --store and the same data directory (a shared mount).",
        valueName: "url"))
    var store: String?

    @Option(name: .long, help: "File holding the PostgreSQL password (first line).")
    var storePasswordFile: String?

    /// The PostgreSQL database `--store` names, with its password; nil on the embedded default.
    func postgresConfiguration() throws -> PostgresStoreConfiguration? {
        guard let store else {
            guard storePasswordFile == nil else { throw CLIError("--store-password-file needs --store.") }
            return nil
        }
        var password = ProcessInfo.processInfo.environment["MEDLEDGER_PG_PASSWORD"]
        if let storePasswordFile {
            let text = try String(contentsOfFile: storePasswordFile, encoding: .utf8)
            password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        do {
            return try PostgresStoreConfiguration(url: store, password: password)
        } catch let error as PostgresStoreError {
            throw CLIError(error.description)
        }
    }
}
