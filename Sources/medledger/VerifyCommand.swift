import ArgumentParser
import Foundation
import MedLedgerBench
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger verify`: re-checks every entry, tree hash and checkpoint; exit 0 only when all hold.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Re-check every entry, signature, tree hash and checkpoint of a ledger."
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "Verifier key to trust (default: the key in the data directory).")
    var logKey: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        let directory = DataDirectory(path: data.data)
        guard directory.isInitialized else { throw CLIError("\(directory.url.path) is not a MedLedger data directory.") }
        let key: NoteVerifierKey
        if let logKey {
            guard let parsed = NoteVerifierKey(vkey: logKey) else { throw CLIError("--log-key is not a valid verifier key.") }
            key = parsed
        } else {
            key = try directory.readNodeIdentity().signingKey.verifierKey
        }
        try await withStorage(data, directory: directory, logger: makeLogger("medledger.verify", level: .warning)) { storage in
            try await verify(storage.ledger, key: key)
        }
    }

    func verify(_ store: any LedgerStore, key: NoteVerifierKey) async throws {
        let progress = TerminalProgress()
        let verifier = LedgerVerifier(store: store, verifierKey: key)
        do {
            let report = try await verifier.run { done, total in progress.show("verifying", Int(done), Int(total)) }
            if json {
                print(#"{"ok":true,"entries":\#(report.entries),"checkpoints":\#(report.checkpoints),"treeNodes":\#(report.treeNodes),"events":\#(report.events),"stateObjects":\#(report.stateObjects)}"#)
            } else {
                print("ledger verified: \(report.entries) entries, \(report.checkpoints) checkpoints, \(report.treeNodes) tree hashes, \(report.events) audit events, \(report.stateObjects) state objects")
            }
        } catch let failure as LedgerVerificationError {
            if json {
                let message = String(decoding: try JSONEncoder().encode(failure.description), as: UTF8.self)
                print(#"{"ok":false,"error":\#(message)}"#)
            } else {
                FileHandle.standardError.write(Data("verification FAILED: \(failure.description)\n".utf8))
            }
            throw ExitCode(1)
        }
    }
}
