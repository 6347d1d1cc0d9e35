import Hummingbird
import MedLedgerCore
import Logging
import MedLedgerNode

/// Builds the router: every route the node serves, with its dependencies injected.
public func buildRouter(node: LedgerNode) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: SecurityHeadersMiddleware())
    LedgerController(node: node).addRoutes(to: router)
    QueryController(node: node).addRoutes(to: router)
    if let blobs = node.blobs {
        BlobController(blobs: blobs, clock: node.clock, maxBytes: SealedObject.maxPlaintextSize).addRoutes(to: router)
    }
    return router
}

/// Builds the HTTP application around a node.
public func buildApplication(node: LedgerNode, host: String, port: Int, logger: Logger) -> some ApplicationProtocol {
    Application(
        router: buildRouter(node: node),
        configuration: .init(address: .hostname(host, port: port), serverName: "MedLedger"),
        logger: logger
    )
}
