import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage

/// `medledger serve`: runs the node, its HTTP API and the web application until SIGINT or SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the MedLedger node, its HTTP API and the web application."
    )

    @OptionGroup var data: DataOptions

    @Option(name: .long, help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .long, help: "Port to listen on.")
    var port: Int = 8080

    @Flag(name: .long, help: "On a new data directory, create demo accounts of every role with sample data, and show their passwords on the log-in page.")
    var demo = false

    @Option(name: .long, help: "Serve templates and static files from this folder instead of the built-in copy.")
    var webRoot: String?

    @Option(name: .long, help: "Largest file a user may upload, in megabytes.")
    var maxUploadMB: Int = 200

    @Option(name: .long, help: "Hours an uploaded file may wait for a transaction that names it before it is removed.")
    var uploadGraceHours: Int = 24

    @Option(name: .long, help: "PEM certificate chain; with --tls-key, serve HTTPS.")
    var tlsCert: String?

    @Option(name: .long, help: "PEM private key for --tls-cert.")
    var tlsKey: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
        guard (1...100_000).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be 1 to 100000.") }
        guard uploadGraceHours >= 1 else { throw ValidationError("--upload-grace-hours must be at least 1.") }
        guard (1...100_000).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be 1 to 100000.") }
        guard uploadGraceHours >= 1 else { throw ValidationError("--upload-grace-hours must be at least 1.") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together.") }
    }

    func run() async throws {
        let logger = makeLogger("medledger", level: Logger.Level(rawValue: logLevel) ?? .info)
        let directory = DataDirectory(path: data.data)
        let node: LedgerNode
        let credentials: SQLiteCredentialStore
        var demoAccounts: [WebConfiguration.DemoAccount] = []
        if demo && !directory.isInitialized {
            let adminKey = P256Key()
            let (created, _, database) = try await initialise(
                directory, origin: defaultOrigin(), adminKey: adminKey, adminName: "Demo administrator", logger: logger,
                maxObjectSize: Int64(maxUploadMB) * 1_000_000
            )
            node = created
            credentials = SQLiteCredentialStore(database: database)
            demoAccounts = try await DemoSeed(node: node, credentials: credentials, directory: directory, admin: adminKey, logger: logger).run()
            logger.notice("created a demo ledger", metadata: ["data": "\(directory.url.path)", "accounts": "\(demoAccounts.count)"])
        } else {
            let (opened, database) = try await openLedger(directory, logger: logger, maxObjectSize: Int64(maxUploadMB) * 1_000_000)
            node = opened
            credentials = SQLiteCredentialStore(database: database)
            if demo { demoAccounts = try DemoSeed.savedAccounts(in: directory) }
        }
        logger.notice("ledger open", metadata: ["size": "\(node.size)", "logKey": "\(node.verifierKey.vkey)"])
        var web = WebConfiguration(secret: try directory.webSecret(), secureCookies: tlsCert != nil, demoAccounts: demoAccounts)
        if let webRoot { web.root = URL(fileURLWithPath: webRoot) }
        let application = try await WebApplication.load(node: node, credentials: credentials, configuration: web, logger: logger)
        let tls = tlsCert.flatMap { cert in tlsKey.map { TLSFiles(certificateChain: cert, privateKey: $0) } }
        var services: [any Service] = []
        if let blobs = node.blobs {
            let collector = ContentCollector(store: node.store, blobs: blobs, grace: Int64(uploadGraceHours) * 3_600_000, logger: logger)
            services.append(ContentCollectionService(collector: collector))
        }
        let app = try buildApplication(node: node, web: application, host: host, port: port, tls: tls, services: services, logger: logger)
        try await app.runService()
    }
}
