import Foundation
import MedLedgerCore
import MedLedgerNode

/// Runs a page's reads through the ledger, signed with the session key, so every page view is an
/// audited read exactly like one a user signs themselves.
struct SessionReader: Sendable {
    let node: LedgerNode

    /// The outcome of one read: the answer, or the plain reason it was refused.
    enum Outcome: Sendable {
        case answered(QueryResult)
        case refused(String)
    }

    private struct Payload: Encodable {
        var body: JSONValue
        var expires: Int64
        var nonce: String
        var signer: String
        var type: String
    }

    func read(type: String, body: JSONValue, session: WebSession) async throws -> Outcome {
        let signer = EnvelopeSigner(key: session.key)
        let payload = Payload(
            body: body, expires: node.clock() + 60_000, nonce: EnvelopeSigner.randomNonce(), signer: signer.payloadKey, type: type
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let envelope = try signer.signPayloadBytes(Array(try encoder.encode(payload)))
        do {
            return .answered(try await node.query(envelope))
        } catch QueryError.denied(let receipt) {
            let message = receipt.contract?.event.message ?? "Denied."
            return .refused(message)
        } catch let error as EnvelopeError {
            return .refused(error.description)
        } catch let error as QueryError {
            return .refused(error.description)
        } catch let error as BlobStoreError {
            return .refused("The content could not be read: \(error.description).")
        }
    }

    func read(_ body: some TransactionBody, session: WebSession) async throws -> Outcome {
        try await read(type: type(of: body).transactionType, body: try JSONValue.of(body), session: session)
    }
}
