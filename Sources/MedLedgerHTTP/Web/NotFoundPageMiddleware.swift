import Hummingbird

/// Gives browsers a readable page instead of an empty body when nothing matches a path. API
/// clients (anything not asking for HTML) keep the plain 404.
struct NotFoundPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: PageRenderer

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let wantsHTML = request.method == .get && (request.headers[.accept] ?? "").contains("text/html")
        do {
            let response = try await next(request, context)
            guard wantsHTML, response.status == .notFound else { return response }
            return notFound()
        } catch let error as HTTPError where error.status == .notFound && wantsHTML {
            return notFound()
        }
    }

    private func notFound() -> Response {
        renderer.render("error", context: ["title": "Page not found", "message": "There is no page at this address."], status: .notFound)
    }
}
