import Hummingbird
import MedLedgerCore

/// A request context that can carry the browser session, so the cookie is read and looked up once
/// per request (by ``SessionMiddleware``) and every web controller reads `context.session` instead
/// of repeating the look-up.
protocol WebSessionRequestContext: RequestContext {
    /// The live session the request's cookie names, or nil when signed out.
    var session: WebSession? { get set }
    /// The cookie token behind ``session``.
    var sessionToken: String? { get set }
}

extension WebSessionRequestContext {
    /// The signed-in session, or the API's 401 `signed_out` refusal. Routes behind
    /// ``RequireSessionMiddleware`` always have one; this is the one place the refusal is worded.
    func requireSession() throws -> WebSession {
        guard let session else { throw Self.signedOut }
        return session
    }

    /// The refusal of a request that needs a session and has none.
    static var signedOut: APIError {
        APIError(status: .unauthorized, code: "signed_out", message: "Your session has ended. Please sign in again.")
    }
}
