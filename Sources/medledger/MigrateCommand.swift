import ArgumentParser
import Foundation
import MedLedgerBench
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger migrate`: moves an embedded ledger into PostgreSQL so several nodes can share it.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Copy an embedded (SQLite) ledger into an empty PostgreSQL database.",
        discussion: """
            Copies every entry, tree hash, checkpoint, audit event, state object and sign-in credential, \
            checks that the copy has the same latest checkpoint, and verifies it. The data directory keeps the \
            log key, the content master key, the patients' content keys and the encrypted files: after the \
            move, every node serves it with `--data DIR --store URL` (a mount they share). Stop the node \
            first; the password comes from MEDLEDGER_PG_PASSWORD or --store-password-file.
            """
    )

    @Option(name: .long, help: "The data directory of the embedded ledger.")
    var from: String

    @Option(name: .long, help: "The PostgreSQL database: postgres://USER@HOST:PORT/DATABASE?sslmode=….")
    var to: String

    @Option(name: .long, help: "File holding the PostgreSQL password (first line).")
    var storePasswordFile: String?

    func run() async throws {
        let directory = DataDirectory(path: from)
        guard directory.isInitialized, FileManager.default.fileExists(atPath: directory.databasePath) else {
            throw CLIError("\(directory.url.path) is not the data directory of an embedded MedLedger ledger.")
        }
        var options = DataOptions()
        options.data = from
        options.store = to
        options.storePasswordFile = storePasswordFile
        guard let configuration = try options.postgresConfiguration() else { return }
        let logger = makeLogger("medledger.migrate", level: .warning)
        let source = try directory.openDatabase()
        let key = try directory.readNodeIdentity().signingKey.verifierKey
        let progress = TerminalProgress()
        try await PostgresDatabase.with(configuration, logger: logger) { database in
            let report: LedgerTransfer.Report
            do {
                report = try await LedgerTransfer.copy(from: source, to: database) { step in
                    progress.show("copying \(step.stage.rawValue)", step.done, step.total)
                }
            } catch let error as LedgerTransferError {
                throw CLIError(error.description)
            }
            print("copied \(report.entries) entries, \(report.treeHashes) tree hashes, \(report.checkpoints) checkpoints, "
                + "\(report.auditEvents) audit events, \(report.stateObjects) state objects, \(report.credentials) credentials")
            let verified = try await LedgerVerifier(store: PostgresLedgerStore(database: database), verifierKey: key).run { done, total in
                progress.show("verifying", Int(done), Int(total))
            }
            print("verified in PostgreSQL: \(verified.entries) entries; latest checkpoint size \(report.size)")
            print("serve it with: medledger serve --data \(directory.url.path) --store \(configuration.displayURL)")
        }
    }
}
