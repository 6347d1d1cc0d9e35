import Hummingbird
import NIOCore

/// The request context of every route: Hummingbird's core storage plus the client's address (for
/// log-in throttling). Per-request data only; dependencies are injected into the controllers.
public struct MedLedgerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}
