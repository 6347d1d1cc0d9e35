import ArgumentParser
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import MedLedgerCore
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

    @Option(name: .long, help: ArgumentHelp(
        "A witness to have checkpoints cosigned by, as URL=VKEY: its submission prefix and its cosignature/v1 verifier key (from `medledger witness init`). Repeatable.",
        valueName: "url=vkey"))
    var witness: [String] = []

    @Option(name: .long, help: "How many of the --witness witnesses must cosign a checkpoint before GET /checkpoint serves it. Default: all.")
    var witnessQuorum: Int?

    @Option(name: .long, help: "Transactions (POST /v1/transactions) one signing key may submit per minute, in bursts of up to as many.")
    var txPerMinute: Int = 600

    @Option(name: .long, help: "Reads (POST /v1/queries, audit reads, and a signed-in page's reads per web session) one key may make per minute.")
    var queriesPerMinute: Int = 1_200

    @Option(name: .long, help: "Uploads (POST /v1/blobs) one key may make per minute.")
    var uploadsPerMinute: Int = 120

    @Option(name: .long, help: "Storage quota of one account, in MiB a day: what its uploads may store (429 storage_quota beyond).")
    var storageMbPerDay: Int = 2_048

    @Option(name: .long, help: "Storage quota of keys without an account (sign-up documents), in MiB a day per client address.")
    var signUpStorageMb: Int = 32

    @Option(name: .long, help: ArgumentHelp("An account address never rate limited (the operator's own keys). Repeatable.", valueName: "address"))
    var rateExempt: [String] = []

    @Option(name: .long, help: "Threads that run sign-up and log-in password hashes (off the request threads).")
    var signInWorkers: Int = 1

    @Option(name: .long, help: "Password hashes that may wait for a sign-in thread; more are answered 503 at once.")
    var signInQueue: Int = 8

    @Option(name: .long, help: "Sign-ups, log-ins and password changes one client address may make per minute.")
    var signInPerMinute: Int = 60

    @Option(name: .long, help: "With --store: this node's name, unique among the nodes sharing the ledger. Default: the host name and port.")
    var nodeName: String?

    @Option(name: .long, help: "With --store: the URL the other nodes reach this one at to hand it writes while it sequences. Default: http://HOST:PORT from --host and --port.")
    var internalURL: String?

    @Option(name: .long, help: "With --store: milliseconds a sequencer's lease lasts unrenewed; a dead sequencer is replaced within about this long.")
    var leaseTtlMs: Int = 3_000

    @Option(name: .long, help: "Days a sign-up may wait for an administrator to create its account; then it no longer signs in and its username is free again.")
    var pendingSignupDays: Int = 14

    @Option(name: .long, help: "The address users and apps reach this server at (https://ledger.example): the base of SMART discovery, the FHIR base and id_token issuers. Without it, each request's Host header.")
    var publicUrl: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical.")
        }
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be 1 to 65535.") }
        guard (1...100_000).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be 1 to 100000.") }
        guard uploadGraceHours >= 1 else { throw ValidationError("--upload-grace-hours must be at least 1.") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together.") }
        _ = try witnessConfiguration()
        for (name, value) in [("--tx-per-minute", txPerMinute), ("--queries-per-minute", queriesPerMinute),
                              ("--uploads-per-minute", uploadsPerMinute), ("--sign-in-per-minute", signInPerMinute)] {
            guard (1...10_000_000).contains(value) else { throw ValidationError("\(name) must be 1 to 10000000.") }
        }
        guard (1...100_000_000).contains(storageMbPerDay) else { throw ValidationError("--storage-mb-per-day must be 1 to 100000000.") }
        guard (1...100_000).contains(signUpStorageMb) else { throw ValidationError("--sign-up-storage-mb must be 1 to 100000.") }
        guard (1...64).contains(signInWorkers) else { throw ValidationError("--sign-in-workers must be 1 to 64.") }
        guard (0...10_000).contains(signInQueue) else { throw ValidationError("--sign-in-queue must be 0 to 10000.") }
        if let publicUrl, !(publicUrl.hasPrefix("https://") || publicUrl.hasPrefix("http://")) || publicUrl.contains("?") || publicUrl.contains("#") {
            throw ValidationError("--public-url must be an http(s) address without a query or fragment.")
        }
        guard (1...3_660).contains(pendingSignupDays) else { throw ValidationError("--pending-signup-days must be 1 to 3660.") }
        _ = try exemptAccounts()
        guard (500...60_000).contains(leaseTtlMs) else { throw ValidationError("--lease-ttl-ms must be 500 to 60000.") }
        if data.store == nil, nodeName != nil || internalURL != nil {
            throw ValidationError("--node-name and --internal-url go with --store (several nodes on one PostgreSQL database).")
        }
        if let nodeName, nodeName.isEmpty || nodeName.count > 100 || nodeName.contains(where: { $0.isWhitespace }) {
            throw ValidationError("--node-name must be 1 to 100 characters without spaces.")
        }
        if let internalURL {
            guard let components = URLComponents(string: internalURL), ["http", "https"].contains(components.scheme?.lowercased()),
                components.host?.isEmpty == false, components.path.isEmpty || components.path == "/"
            else { throw ValidationError("--internal-url must be an http(s) URL with a host and no path, such as http://10.0.0.5:8080.") }
        }
    }

    /// This node's place among the nodes of a shared ledger.
    func clusterConfiguration(signingKey: NoteSigningKey) -> ClusterConfiguration {
        let hostName = ProcessInfo.processInfo.hostName
        var endpoint = internalURL ?? "http://\(host == "0.0.0.0" || host == "::" ? hostName : host):\(port)"
        while endpoint.hasSuffix("/") { endpoint.removeLast() }
        return ClusterConfiguration(
            node: nodeName ?? "\(hostName):\(port)", endpoint: endpoint, forwarder: HTTPSubmissionForwarder(signingKey: signingKey),
            leaseMillis: Int64(leaseTtlMs))
    }

    /// The `--rate-exempt` addresses, checked.
    func exemptAccounts() throws -> Set<AccountAddress> {
        Set(try rateExempt.map { text in
            guard let address = AccountAddress(text) else {
                throw ValidationError("--rate-exempt \(text) is not an account address (ml followed by 40 hex digits).")
            }
            return address
        })
    }

    /// The per-key limits from the `--…-per-minute` and `--rate-exempt` options, their buckets kept
    /// in `shared` (this process's memory, or the database every node shares).
    func requestLimits(shared: WebSharedState) throws -> RequestLimits {
        RequestLimits(
            shared: shared, transactions: RateLimit(perMinute: txPerMinute), queries: RateLimit(perMinute: queriesPerMinute),
            uploads: RateLimit(perMinute: uploadsPerMinute), storage: Self.dailyQuota(mebibytes: storageMbPerDay),
            signUpStorage: Self.dailyQuota(mebibytes: signUpStorageMb), exempt: try exemptAccounts()
        )
    }

    /// A quota of `mebibytes` a day in KiB units: the whole day's worth may be spent at once, and
    /// it refills evenly over the day.
    static func dailyQuota(mebibytes: Int) -> RateLimit {
        let kibibytes = mebibytes.multipliedReportingOverflow(by: 1024)
        let total = kibibytes.overflow ? Int.max / 2 : kibibytes.partialValue
        return RateLimit(perMinute: max(1, total / 1440), burst: total)
    }

    /// The witnesses and quorum from `--witness` and `--witness-quorum`, checked; nil without witnesses.
    func witnessConfiguration() throws -> (witnesses: [WitnessOption], quorum: Int)? {
        let witnesses = try witness.map(WitnessOption.init(parsing:))
        guard !witnesses.isEmpty else {
            guard witnessQuorum == nil else { throw ValidationError("--witness-quorum needs at least one --witness.") }
            return nil
        }
        for (index, option) in witnesses.enumerated() where witnesses[..<index].contains(where: { $0.key == option.key }) {
            throw ValidationError("--witness: the key \(option.key.vkey) is given twice.")
        }
        let quorum = witnessQuorum ?? witnesses.count
        guard (1...witnesses.count).contains(quorum) else {
            throw ValidationError("--witness-quorum must be 1 to \(witnesses.count), the number of --witness options.")
        }
        return (witnesses, quorum)
    }

    func run() async throws {
        let logger = makeLogger("medledger", level: Logger.Level(rawValue: logLevel) ?? .info)
        let directory = DataDirectory(path: data.data)
        if demo && !directory.isInitialized {
            guard data.store == nil else {
                throw CLIError("--demo creates a demo ledger on the embedded store only; run `medledger init --store …` for a shared one.")
            }
            try directory.create()
        }
        try await withStorage(data, directory: directory, logger: logger) { storage in
            try await serve(directory: directory, storage: storage, logger: logger)
        }
    }

    func serve(directory: DataDirectory, storage: LedgerStorage, logger: Logger) async throws {
        let node: LedgerNode
        var demoAccounts: [WebConfiguration.DemoAccount] = []
        let maxObjectSize = Int64(maxUploadMB) * 1_000_000
        if demo && !directory.isInitialized {
            let adminKey = P256Key()
            (node, _) = try await initialise(
                directory, storage: storage, origin: defaultOrigin(), adminKey: adminKey, adminName: "Demo administrator", logger: logger,
                maxObjectSize: maxObjectSize
            )
            let seed = DemoSeed(node: node, credentials: storage.credentials, directory: directory, admin: adminKey, logger: logger)
            demoAccounts = try await storage.withBackgroundWork { try await seed.run() }
            logger.notice("created a demo ledger", metadata: ["data": "\(directory.url.path)", "accounts": "\(demoAccounts.count)"])
        } else {
            let cluster = storage.shared == nil ? nil : clusterConfiguration(signingKey: try directory.readNodeIdentity().signingKey)
            node = try await openLedger(directory, storage: storage, logger: logger, maxObjectSize: maxObjectSize, cluster: cluster)
            if demo { demoAccounts = try DemoSeed.savedAccounts(in: directory) }
            if let cluster {
                logger.notice("sharing the ledger", metadata: ["node": "\(cluster.node)", "endpoint": "\(cluster.endpoint)", "store": "\(data.store ?? "")"])
            }
        }
        logger.notice("ledger open", metadata: ["size": "\(node.size)", "logKey": "\(node.verifierKey.vkey)"])
        var web = WebConfiguration(secret: try directory.webSecret(), secureCookies: tlsCert != nil, demoAccounts: demoAccounts)
        if let webRoot { web.root = URL(fileURLWithPath: webRoot) }
        web.pendingSignupLifetime = Int64(pendingSignupDays) * 86_400_000
        web.publicURL = publicUrl
        // Sessions, log-in throttles, sign-up challenges and rate limits: in memory on the embedded
        // store, in PostgreSQL when several nodes share the ledger, so a user's next request may
        // reach any node.
        let shared = storage.shared.map { WebSharedState.postgres($0, secret: web.secret, clock: node.clock) } ?? .inMemory(clock: node.clock)
        let limits = try requestLimits(shared: shared)
        let signIn = SignInLimits.standard(
            workers: signInWorkers, queueDepth: signInQueue, perClientPerMinute: signInPerMinute, clock: node.clock, shared: shared)
        let application = try await WebApplication.load(
            node: node, credentials: storage.credentials, configuration: web, limits: limits, signIn: signIn, shared: shared, logger: logger
        )
        let tls = tlsCert.flatMap { cert in tlsKey.map { TLSFiles(certificateChain: cert, privateKey: $0) } }
        // Graceful shutdown stops these in reverse order, after the HTTP server: witnessing and
        // collection first, then the node, which writes and answers every queued submission (and
        // on a shared store gives its lease up), and last the checkpointer, which copies the final
        // blocks out of the WAL.
        var services: [any Service] = storage.services
        services.append(node)
        if let collector = node.contentCollector(grace: Int64(uploadGraceHours) * 3_600_000, logger: logger) {
            services.append(ContentCollectionService(collector: collector))
        }
        var witnessing: CheckpointWitnessing?
        if let (witnesses, quorum) = try witnessConfiguration() {
            let following = try CheckpointWitnessing(
                node: node,
                witnesses: witnesses.map { .init(key: $0.key, client: HTTPWitnessClient(submissionPrefix: $0.url)) },
                quorum: quorum, store: FileWitnessedCheckpointStore(directory: directory), logger: logger
            )
            services.append(CheckpointWitnessingService(witnessing: following))
            witnessing = following
            logger.notice("witnessing", metadata: ["witnesses": "\(witnesses.map(\.key.name).joined(separator: ","))", "quorum": "\(quorum)"])
        }
        let app = try buildApplication(
            node: node, web: application, host: host, port: port, tls: tls, services: services, witnessing: witnessing, limits: limits,
            logger: logger
        )
        try await app.runService()
    }
}

/// One `--witness URL=VKEY` option.
struct WitnessOption: Equatable {
    /// The submission prefix; `/add-checkpoint` is appended.
    let url: String
    let key: NoteVerifierKey

    /// Splits at the first '=' that leaves an http(s) URL before it and a verifier key after it
    /// (a verifier key ends in base64, which may itself hold '=').
    init(parsing text: String) throws {
        for separator in text.indices where text[separator] == "=" {
            let url = String(text[..<separator])
            guard let key = NoteVerifierKey(vkey: String(text[text.index(after: separator)...])),
                let components = URLComponents(string: url), ["http", "https"].contains(components.scheme?.lowercased()),
                components.host?.isEmpty == false
            else { continue }
            guard key.type == .cosignatureV1 else {
                throw ValidationError("--witness \(text): \(key.name) is not a witness key (cosignature/v1, type 0x04); a log key cannot cosign.")
            }
            self.url = url
            self.key = key
            return
        }
        throw ValidationError("--witness \(text) is not URL=VKEY, such as http://127.0.0.1:8081=witness.example/w1+1a2b3c4d+BA…")
    }
}
