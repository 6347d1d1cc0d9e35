import Hummingbird
import HummingbirdTLS
import Logging
import ServiceLifecycle
import MedLedgerCore
import MedLedgerNode

/// Builds the router: every route the node serves, with its dependencies injected. Without `web`
/// only the API and log routes are served.
public func buildRouter(node: LedgerNode, web: WebApplication? = nil, secure: Bool = false) -> Router<MedLedgerRequestContext> {
    let router = Router(context: MedLedgerRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware(secure: secure))
    LedgerController(node: node).addRoutes(to: router)
    QueryController(node: node).addRoutes(to: router)
    AuditController<MedLedgerRequestContext>(node: node, bundleCheckpoint: { node.checkpoint }).addRoutes(to: router)
    if let blobs = node.blobs {
        BlobController(blobs: blobs, clock: node.clock).addRoutes(to: router)
    }
    web?.addRoutes(to: router)
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
/// the server and stop with it (content collection, for one).
public func buildApplication(
    node: LedgerNode, web: WebApplication? = nil, host: String, port: Int, tls: TLSFiles? = nil, services: [any Service] = [], logger: Logger
) throws -> some ApplicationProtocol {
    let router = buildRouter(node: node, web: web, secure: tls != nil)
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
