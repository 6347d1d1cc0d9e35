import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// What the transaction and query routes share: reading one envelope body within the node's size
/// limit, and mapping the errors every submission can meet to their HTTP answers.
enum EnvelopeBody {
    /// The request body, refused with 413 past the node's envelope limit.
    static func read(_ request: Request, node: LedgerNode) async throws -> [UInt8] {
        let limit = node.verifier.limits.maxEnvelopeBytes
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
            throw APIError(status: .serviceUnavailable, code: "storage_unavailable", message: error.description)
        }
    }
}
