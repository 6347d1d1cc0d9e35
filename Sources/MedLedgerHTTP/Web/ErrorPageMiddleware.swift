import Hummingbird
import Logging
import MedLedgerCore

/// Gives browsers a readable page instead of an empty body when nothing matches a path or a page
/// fails, and never a stack trace. API clients (anything not asking for HTML) keep their JSON or
/// plain answers.
struct ErrorPageMiddleware<Context: RequestContext>: RouterMiddleware {
    let renderer: PageRenderer
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let wantsHTML = request.method == .get && (request.headers[.accept] ?? "").contains("text/html")
        guard wantsHTML else { return try await next(request, context) }
        do {
            let response = try await next(request, context)
            return response.status == .notFound ? notFound() : response
        } catch let error as HTTPError where error.status == .notFound {
            return notFound()
        } catch let error as RateLimitedError {
            var response = renderer.render("error", context: ["title": "Please slow down", "message": error.message], status: error.status)
            response.headers[.retryAfter] = String(error.retryAfterSeconds)
            return response
        } catch let error as any HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch let error as any TransientStoreError where error.isTransient {
            var response = renderer.render(
                "error",
                context: ["title": "Please try again in a moment", "message": "MedLedger cannot reach its database just now. Nothing was changed."],
                status: .serviceUnavailable)
            response.headers[.retryAfter] = "5"
            return response
        } catch {
            logger.error("page failed", metadata: ["path": "\(request.uri.path)", "error": "\(type(of: error))"])
            return renderer.render(
                "error", context: ["title": "Something went wrong", "message": "This page could not be shown. Please try again in a moment."],
                status: .internalServerError
            )
        }
    }

    private func notFound() -> Response {
        renderer.render("error", context: ["title": "Page not found", "message": "There is no page at this address."], status: .notFound)
    }
}
