/// A running witness, as the HTTP layer sees it: it answers add-checkpoint requests and names
/// its key. The storage layer implements it on disk; the protocol lives here so the HTTP layer
/// depends on Core alone, like the node's ``LedgerStore``.
public protocol CheckpointWitness: Sendable {
    /// The key logs and clients configure to trust this witness.
    var verifierKey: NoteVerifierKey { get }

    /// Checks, records (durably) and cosigns one request. `body` is the request as received, kept
    /// verbatim when the request is evidence. Throws only when the witness cannot persist; a
    /// refusal is an outcome, not an error.
    func addCheckpoint(_ request: AddCheckpointRequest, body: [UInt8]) async throws -> WitnessOutcome
}

/// The answer to an add-checkpoint request, one case per HTTP status of tlog-witness.
public enum WitnessOutcome: Sendable, Equatable {
    /// 200: the cosignature lines to append to the checkpoint.
    case cosigned([SignedNote.Signature])
    /// 409: the size of the latest checkpoint this witness cosigned for the origin.
    case conflict(recordedSize: UInt64)
    /// 422: the consistency proof does not verify.
    case unprocessable(String)
    /// 403: no trusted log signature verifies.
    case forbidden(String)
    /// 404: unknown origin.
    case notFound(String)
    /// 400: malformed, or old size larger than the checkpoint's.
    case badRequest(String)

    /// The outcome a decision leads to, when it is a refusal (nil for ``WitnessState/Action/cosign(_:)``).
    public init?(refusal action: WitnessState.Action) {
        switch action {
        case .cosign: return nil
        case .conflict(let size, _): self = .conflict(recordedSize: size)
        case .unprocessable: self = .unprocessable("The consistency proof does not verify.")
        case .forbidden: self = .forbidden("No signature by a trusted key for this log verifies.")
        case .notFound(let origin): self = .notFound("This witness does not serve the log \(origin).")
        case .badRequest(let reason): self = .badRequest(reason)
        }
    }
}
