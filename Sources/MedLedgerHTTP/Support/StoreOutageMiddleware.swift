import Hummingbird
import MedLedgerCore

/// Answers 503 `store_unavailable` (try again shortly) when a request fails because the store is
/// out of reach for now (``TransientStoreError``), instead of a 500: a database restart or
/// failover is an outage the client can wait out, not a fault of the request.
struct StoreOutageMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as any TransientStoreError where error.isTransient {
            throw Self.unavailable
        }
    }

    static var unavailable: APIError { APIError(
        status: .serviceUnavailable, code: "store_unavailable",
        message: "The ledger's database cannot be reached at the moment; nothing was recorded. Try again shortly.") }
}
