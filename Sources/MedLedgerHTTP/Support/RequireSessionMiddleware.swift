import Hummingbird

/// Refuses a request without a session (after ``SessionMiddleware`` looked for one), the way its
/// route group answers signed-out clients.
struct RequireSessionMiddleware<Context: WebSessionRequestContext>: RouterMiddleware {
    /// How a signed-out request is answered.
    enum SignedOutAnswer: Sendable {
        /// The API's 401 `signed_out` error, whatever the client (JSON routes and downloads).
        case unauthorized
        /// A browser asking for HTML is sent to the log-in page and back here after it; any
        /// other client gets the 401 (the CSV exports).
        case loginPageForBrowsers
    }

    let signedOut: SignedOutAnswer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard context.session == nil else { return try await next(request, context) }
        if signedOut == .loginPageForBrowsers, (request.headers[.accept] ?? "").contains("text/html") {
            return WebAuthentication.loginRedirect(request)
        }
        throw Context.signedOut
    }
}
