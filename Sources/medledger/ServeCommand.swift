import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MedLedgerHTTP
import MedLedgerStorage

/// `medledger serve`: runs the node and its HTTP API until SIGINT or SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MedLedger node and its HTTP API."
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port: Int = 8080

    @Flag(name: .long, help: "Initialise the data directory first if it is new (demonstration use).")
    var demo = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func run() async throws {
        let logger = makeLogger("medledger", level: Logger.Level(rawValue: logLevel) ?? .info)
        let directory = DataDirectory(path: data.data)
        if demo && !directory.isInitialized {
            let (_, keyPath) = try await initialise(
                directory, origin: defaultOrigin(), adminKey: nil, adminName: "Demo administrator", logger: logger
            )
            logger.notice("created a demo ledger", metadata: ["data": "\(directory.url.path)", "adminKey": "\(keyPath ?? "")"])
        }
        let node = try await openNode(directory, logger: logger)
        logger.notice("ledger open", metadata: ["size": "\(node.size)", "logKey": "\(node.verifierKey.vkey)"])
        let app = buildApplication(node: node, host: host, port: port, logger: logger)
        try await app.runService()
    }
}
