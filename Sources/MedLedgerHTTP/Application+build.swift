import Hummingbird
import HummingbirdTLS
import Logging
import ServiceLifecycle
import MedLedgerCore
import MedLedgerNode

/// Builds the router: every route the node serves, with its dependencies injected. Without `web`
/// only the API and log routes are served. With `witnessing`, `GET /checkpoint` serves the newest
/// checkpoint meeting the witness policy instead of the latest one. `limits` are the per-key
/// budgets of transactions, reads and uploads; nil takes the web application's (the same value
/// its pages spend), or no limits without one.
public func buildRouter(
    node: LedgerNode, web: WebApplication? = nil, secure: Bool = false, witnessing: (any WitnessedCheckpointProvider)? = nil,
    limits: RequestLimits? = nil
) -> Router<MedLedgerRequestContext> {
    let limits = limits ?? web?.limits ?? .unlimited
    let router = Router(context: MedLedgerRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(secure: secure))
    router.add(middleware: StoreOutageMiddleware())
    LedgerController(node: node, witnessing: witnessing, limits: limits).addRoutes(to: router)
    QueryController(node: node, limits: limits).addRoutes(to: router)
    ClusterController<MedLedgerRequestContext>(node: node).addRoutes(to: router)
    // Bundles are proven against the checkpoint clients trust: the witnessed one when there is one.
    let bundleCheckpoint: @Sendable () async -> SignedCheckpoint? = { witnessing?.witnessedCheckpoint ?? node.checkpoint }
    AuditController<MedLedgerRequestContext>(node: node, bundleCheckpoint: bundleCheckpoint, limits: limits).addRoutes(to: router)
    if let blobs = node.blobs {
        BlobController(blobs: blobs, node: node, limits: limits).addRoutes(to: router)
    }
    FHIRController<MedLedgerRequestContext>(
        node: node, appTokens: web?.appTokens, limits: limits, secure: secure, exports: FHIRExportJobs(clock: node.clock),
        logger: web?.logger ?? Logger(label: "medledger.fhir")
    ).addRoutes(to: router)
    web?.addRoutes(to: router, bundleCheckpoint: bundleCheckpoint)
    return router
}

/// Where to find the certificate chain and private key (PEM files) to serve HTTPS.
public struct TLSFiles: Sendable {
    public var certificateChain: String
    public var privateKey: String
    public init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }
}

/// Builds the HTTP application around a node, over TLS when `tls` is given; `services` run beside
/// the server and stop with it (content collection, witnessing). `witnessing` is passed to
/// ``buildRouter(node:web:secure:witnessing:limits:)``, as are `limits`.
public func buildApplication(
    node: LedgerNode, web: WebApplication? = nil, host: String, port: Int, tls: TLSFiles? = nil, services: [any Service] = [],
    witnessing: (any WitnessedCheckpointProvider)? = nil, limits: RequestLimits? = nil, logger: Logger
) throws -> some ApplicationProtocol {
    let router = buildRouter(node: node, web: web, secure: tls != nil, witnessing: witnessing, limits: limits)
    let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "MedLedger")
    guard let tls else {
        return Application(router: router, configuration: configuration, services: services, logger: logger)
    }
    let certificates = try NIOSSLCertificate.fromPEMFile(tls.certificateChain)
    let key = try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)
    let tlsConfiguration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
    return Application(
        router: router, server: try .tls(.http1(), tlsConfiguration: tlsConfiguration), configuration: configuration, services: services, logger: logger
    )
}
