import Hummingbird
import MedLedgerCore
import NIOCore

/// The request context of every route: Hummingbird's core storage, the client's address (for
/// log-in throttling) and the browser session ``SessionMiddleware`` found for the request's cookie.
/// Per-request data only; dependencies are injected into the controllers.
public struct MedLedgerRequestContext: RequestContext, RemoteAddressRequestContext, WebSessionRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?
    /// The signed-in session, filled once per request by ``SessionMiddleware`` on the web routes;
    /// nil on the API routes and for a signed-out browser.
    var session: WebSession?
    /// The cookie token that named ``session``, kept so signing out can end exactly that session.
    var sessionToken: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
        session = nil
        sessionToken = nil
    }
}
