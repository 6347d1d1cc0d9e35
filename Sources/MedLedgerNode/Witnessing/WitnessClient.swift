import MedLedgerCore

/// One witness's add-checkpoint endpoint, as the node calls it. The HTTP implementation lives in
/// the HTTP layer; tests use in-process witnesses. Implementations must honour task cancellation,
/// which is how the node times out a slow witness.
public protocol WitnessClient: Sendable {
    /// Sends a checkpoint with the consistency proof from `oldSize` (what the node believes the
    /// witness last cosigned; 0 when it does not know). Throws on transport failures.
    func addCheckpoint(oldSize: UInt64, proof: [TreeHash], checkpoint: SignedNote) async throws -> WitnessAnswer
}

/// A witness's answer, reduced to what the node acts on.
public enum WitnessAnswer: Sendable, Equatable {
    /// 200: the witness's cosignature lines (verified by the node before use).
    case cosignatures([SignedNote.Signature])
    /// 409: the witness has cosigned up to `size`; the node retries from there.
    case conflict(size: UInt64)
    /// Any other answer: the node backs off and tries again later.
    case failure(String)
}

/// Something that can hand out the newest checkpoint meeting a witness policy, with its
/// cosignatures; what `GET /checkpoint` serves when witnesses are configured.
public protocol WitnessedCheckpointProvider: Sendable {
    /// Nil until some checkpoint has met the policy.
    var witnessedCheckpoint: SignedCheckpoint? { get }
}
