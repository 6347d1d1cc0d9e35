/// Where the node keeps the newest checkpoint that met its witness policy, with the cosignatures.
///
/// Witnesses only answer for checkpoints sent to them now; without keeping the last cosigned one,
/// a restarted node would have no checkpoint to serve until a new round met the quorum (and an
/// idle log might not produce one for a long time).
public protocol WitnessedCheckpointStore: Sendable {
    /// The saved note, or nil when none was saved.
    func load() throws -> SignedNote?
    /// Replaces the saved note; durable when it returns.
    func save(_ note: SignedNote) throws
}
