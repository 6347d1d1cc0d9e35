import ArgumentParser
import Foundation
import Hummingbird
import Logging
import MedLedgerHTTP
import MedLedgerNode
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

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
    }

    func run() async throws {
        let logger = makeLogger("medledger", level: Logger.Level(rawValue: logLevel) ?? .info)
        let directory = DataDirectory(path: data.data)
        let node: LedgerNode
        if demo && !directory.isInitialized {
            let (created, keyPath) = try await initialise(
                directory, origin: defaultOrigin(), adminKey: nil, adminName: "Demo administrator", logger: logger
            )
            logger.notice("created a demo ledger", metadata: ["data": "\(directory.url.path)", "adminKey": "\(keyPath ?? "")"])
            node = created
        } else {
            node = try await openNode(directory, logger: logger)
        }
        logger.notice("ledger open", metadata: ["size": "\(node.size)", "logKey": "\(node.verifierKey.vkey)"])
        let app = buildApplication(node: node, host: host, port: port, logger: logger)
        try await app.runService()
    }
}
