import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerStorage

/// `medledger witness`: run a C2SP tlog-witness that cosigns checkpoints of the logs it trusts.
///
/// A witness is meant to be run by someone other than the log's operator; it is a separate
/// command with its own directory so it shares nothing with a node's data.
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a transparency-log witness (C2SP tlog-witness) that cosigns logs' checkpoints.",
        subcommands: [Init.self, Serve.self, Show.self]
    )

    /// The witness directory option every subcommand shares.
    struct DirectoryOptions: ParsableArguments {
        @Option(name: .long, help: "The witness's directory.")
        var dir: String = "./witness-data"
    }

    /// `medledger witness init`: key and trusted logs.
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a witness directory with a new cosigning key; prints the witness's verifier key."
        )

        @OptionGroup var directory: DirectoryOptions

        @Option(name: .long, help: "The witness's name (a schema-less URL such as witness.example/w1).")
        var name: String

        @Option(name: .long, parsing: .upToNextOption, help: "Verifier key of a log to cosign (from the node's GET /log-key); repeatable.")
        var logKey: [String] = []

        func validate() throws {
            guard NoteKeyName.isValid(name) else { throw ValidationError("--name must be non-empty, without spaces or '+'.") }
            guard !logKey.isEmpty else { throw ValidationError("Give at least one --log-key.") }
            for text in logKey {
                guard let key = NoteVerifierKey(vkey: text) else { throw ValidationError("--log-key \(text) is not a verifier key <name>+<id>+<key>.") }
                guard key.type == .ed25519 else { throw ValidationError("--log-key \(text) is not a log key (type 0x01).") }
            }
        }

        func run() throws {
            let witness = WitnessDirectory(path: directory.dir)
            let key = try witness.initialise(name: name, logKeys: logKey.compactMap(NoteVerifierKey.init(vkey:)))
            print("initialised \(witness.url.path)")
            print("witness key: \(key.verifierKey.vkey)")
        }
    }

    /// `medledger witness serve`.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Serve POST /add-checkpoint until SIGINT or SIGTERM.")

        @OptionGroup var directory: DirectoryOptions

        @Option(name: .long, help: "Address to listen on.")
        var host: String = "127.0.0.1"

        @Option(name: .long, help: "Port to listen on.")
        var port: Int = 8081

        @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
        var logLevel: String = "info"

        func validate() throws {
            guard Logger.Level(rawValue: logLevel) != nil else {
                throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
            }
            guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
        }

        func run() async throws {
            let logger = makeLogger("medledger.witness", level: Logger.Level(rawValue: logLevel) ?? .info)
            let witness = try FileWitness(directory: WitnessDirectory(path: directory.dir))
            let logs = await witness.trustedLogs
            logger.notice("witness open", metadata: [
                "witnessKey": "\(witness.verifierKey.vkey)", "logs": "\(logs.keys.sorted().joined(separator: ","))",
            ])
            let app = buildWitnessApplication(witness: witness, host: host, port: port, logger: logger)
            try await app.runService()
        }
    }

    /// `medledger witness show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the witness key, the trusted logs, what was cosigned and the evidence kept.")

        @OptionGroup var directory: DirectoryOptions

        func run() async throws {
            let witnessDirectory = WitnessDirectory(path: directory.dir)
            let witness = try FileWitness(directory: witnessDirectory)
            print("witness key: \(witness.verifierKey.vkey)")
            let records = await witness.records
            for (origin, keys) in await witness.trustedLogs.sorted(by: { $0.key < $1.key }) {
                for key in keys { print("log key: \(key.vkey)") }
                if let record = records[origin] {
                    print("  latest cosigned: size \(record.size), root \(Base64Coding.standard(record.head.root.bytes))")
                } else {
                    print("  nothing cosigned yet")
                }
            }
            let evidence = try witnessDirectory.evidenceFiles()
            print("evidence: \(evidence.count) refused request(s)")
            for path in evidence { print("  \(path)") }
        }
    }
}
