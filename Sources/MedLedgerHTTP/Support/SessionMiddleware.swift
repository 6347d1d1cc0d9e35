import Hummingbird

/// Reads the session cookie once and fills ``WebSessionRequestContext/session`` with the live
/// session it names (touching the session's idle clock), or leaves it nil. It never refuses a
/// request: public pages show a signed-out view, and ``RequireSessionMiddleware`` decides for the
/// routes that need a session.
struct SessionMiddleware<Context: WebSessionRequestContext>: RouterMiddleware {
    let sessions: WebSessionStore
    /// The node's clock (Unix ms), which session expiry is measured on.
    let clock: @Sendable () -> Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        if let token = WebCookie.token(in: request), let session = try await sessions.session(token: token, now: clock()) {
            context.session = session
            context.sessionToken = token
        }
        return try await next(request, context)
    }
}
