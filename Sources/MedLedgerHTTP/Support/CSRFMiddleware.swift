import HTTPTypes
import Hummingbird

/// Enforces the CSRF rules on the cookie-authenticated routes of its group: every request that can
/// change state (any method but GET, HEAD and OPTIONS) must carry the session's token in
/// `X-CSRF-Token` (compared in constant time), and a browser-sent `Origin` must be this site's.
/// Runs after ``RequireSessionMiddleware``; without a session it answers like it (401).
struct CSRFMiddleware<Context: WebSessionRequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if Self.changesState(request.method) {
            try WebAuthentication.checkCSRF(request, session: try context.requireSession())
        }
        return try await next(request, context)
    }

    /// Whether a method may change state, and so needs the token.
    static func changesState(_ method: HTTPRequest.Method) -> Bool {
        ![.get, .head, .options].contains(method)
    }
}
