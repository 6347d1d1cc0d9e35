import Foundation
import Hummingbird
import MedLedgerCore

/// A JSON error body: `{"error": {"code": "...", "message": "..."}}` with a plain-words message.
struct APIError: Error, HTTPResponseError {
    let status: HTTPResponse.Status
    let code: String
    let message: String

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(status: status, ErrorBody(error: ErrorDetail(code: code, message: message)))
    }

    static func notFound(_ message: String) -> APIError {
        APIError(status: .notFound, code: "not_found", message: message)
    }

    /// Maps a refused envelope to its HTTP status.
    static func refused(_ error: EnvelopeError) -> APIError {
        let status: HTTPResponse.Status =
            switch error {
            case .tooLarge: .contentTooLarge
            case .replayed: .conflict
            case .malformedEnvelope, .malformedPayload, .invalidJSON, .unknownField, .wrongOrigin, .unsupportedPayloadType, .badSigner,
                .keyIDMismatch, .badSignature, .nonCanonicalSignature, .badNonce:
                .badRequest
            case .expired, .expiryTooFar, .unknownTransactionType, .invalidBody, .rejected: .unprocessableContent
            case .operatorOnly: .forbidden
            }
        return APIError(status: status, code: error.code, message: error.description)
    }
}
