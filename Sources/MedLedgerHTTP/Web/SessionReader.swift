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

    func read(type: String, body: JSONValue, session: WebSession) async throws -> Outcome {
        try await run(try EnvelopeSigner(key: session.key).sign(type: type, body: body, expires: node.clock() + 60_000))
    }

    func read(_ body: some TransactionBody, session: WebSession) async throws -> Outcome {
        try await run(try EnvelopeSigner(key: session.key).sign(body, expires: node.clock() + 60_000))
    }

    private func run(_ envelope: [UInt8]) async throws -> Outcome {
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
}
