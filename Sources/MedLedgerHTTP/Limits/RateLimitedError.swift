import Hummingbird
import MedLedgerCore

/// A request over one of the node's limits: `429 Too Many Requests` (or `503` when the server's
/// sign-in workers are all busy) with `Retry-After` in whole seconds and the usual JSON error body,
/// code `rate_limited` (or the code given).
struct RateLimitedError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let retryAfterSeconds: Int64
    let message: String

    init(
        retryAfterSeconds: Int64, message: String, status: HTTPResponse.Status = .tooManyRequests, code: String = "rate_limited"
    ) {
        self.status = status
        self.code = code
        self.retryAfterSeconds = max(1, retryAfterSeconds)
        self.message = message
    }

    init(_ decision: RateLimitDecision, message: String) {
        self.init(retryAfterSeconds: decision.retryAfterSeconds, message: message)
    }

    /// The answer when every key-derivation worker is busy.
    static var busy: RateLimitedError {
        RateLimitedError(
            retryAfterSeconds: 1, message: "The server is busy signing other people in. Please try again in a moment.",
            status: .serviceUnavailable, code: "busy"
        )
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = try APIError(status: status, code: code, message: message).response(from: request, context: context)
        response.headers[.retryAfter] = String(retryAfterSeconds)
        return response
    }
}
