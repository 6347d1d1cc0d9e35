import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// What the transaction and query routes share: reading one envelope body within the node's size
/// limit, and mapping the errors every submission can meet to their HTTP answers.
enum EnvelopeBody {
    /// The request body, refused with 413 past the node's envelope limit.
    static func read(_ request: Request, node: LedgerNode) async throws -> [UInt8] {
        let limit = node.maxEnvelopeBytes
        do {
            return Array(try await request.body.collect(upTo: limit).readableBytesView)
        } catch {
            throw APIError.refused(.tooLarge(limit: limit))
        }
    }

    /// Runs envelope verification, turning a refusal into its API error.
    static func refusing<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as EnvelopeError {
            throw APIError.refused(error)
        }
    }

    /// Runs a submission, turning refusals and storage failures into API errors.
    static func submitting<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as EnvelopeError {
            throw APIError.refused(error)
        } catch let error as SequencerError {
            throw APIError(status: .serviceUnavailable, code: error.code, message: error.description)
        } catch is ForwardingError {
            // What went wrong between nodes (internal addresses, driver errors) is the node's log's
            // business, not the client's.
            throw APIError(
                status: .serviceUnavailable, code: "storage_unavailable",
                message: "The node that sequences the ledger did not answer. If this envelope was recorded, sending it again is refused as a replay; otherwise try again.")
        } catch let error as ContentAdmissionError {
            throw APIError(status: error == .unavailable ? .serviceUnavailable : .unprocessableContent, code: error.code, message: error.description)
        }
    }

    /// Reads the request's envelope and runs it as a read: a denial answers 403 with its receipt
    /// (the read is on the ledger), anything but a read 422. The verified signer first spends one
    /// unit of its `queries` budget; over it, 429 and nothing is sequenced.
    static func query(_ request: Request, node: LedgerNode, limits: RequestLimits = .unlimited, loadContent: Bool) async throws -> QueryResult {
        let envelope = try await read(request, node: node)
        let transaction = try refusing { try node.verify(envelope) }
        try await limits.admit(.queries, key: transaction.signer)
        do {
            return try await submitting { try await node.query(verified: transaction, loadContent: loadContent) }
        } catch QueryError.denied(let receipt) {
            throw DeniedError(receipt: receipt)
        } catch let error as QueryError {
            throw APIError(status: .unprocessableContent, code: "not_a_read", message: error.description)
        }
    }
}

/// A read the contracts denied: 403 with its receipt, since the denial is on the ledger too.
struct DeniedError: Error, HTTPResponseError {
    let receipt: Receipt
    var status: HTTPResponse.Status { .forbidden }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONResponse.make(status: .forbidden, ErrorBody.denied(SubmitResponse(receipt)))
    }
}
