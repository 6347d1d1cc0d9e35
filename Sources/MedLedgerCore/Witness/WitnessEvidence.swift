/// A refused request that may prove the log misbehaved, to be kept verbatim.
///
/// Only requests that carry a valid log signature qualify: a checkpoint the log signed that
/// conflicts with one it signed before (same size, other root), or that no proof links to it, is
/// something the log cannot deny. Junk from anyone else proves nothing and is not kept.
public struct WitnessEvidence: Sendable, Equatable {
    public enum Reason: String, Sendable, Equatable {
        /// Same tree size as the recorded checkpoint, different root hash: a fork.
        case fork
        /// The consistency proof from the recorded checkpoint does not verify.
        case inconsistent
    }

    public let reason: Reason
    public let request: AddCheckpointRequest
    /// The witness's record the request conflicts with (nil when it had none).
    public let record: WitnessRecord?

    public init(reason: Reason, request: AddCheckpointRequest, record: WitnessRecord?) {
        self.reason = reason
        self.request = request
        self.record = record
    }
}
