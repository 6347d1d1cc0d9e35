/// Hands a submission from a node that follows a shared ledger to the node that sequences it.
///
/// The node's HTTP layer implements it (an internal, authenticated request to the sequencer's
/// endpoint); the node only needs the receipt back, or the refusal as it was.
public protocol SubmissionForwarder: Sendable {
    /// Sends the envelope (already verified here) to the sequencer at `endpoint`; returns its
    /// receipt once the entry is durable. Throws the sequencer's refusal (``EnvelopeError``,
    /// ``SequencerError``) as the sequencer raised it, or a ``ForwardingError``.
    func forward(_ envelope: [UInt8], to endpoint: String) async throws -> Receipt
}

/// Why a submission could not be handed on.
public enum ForwardingError: Error, Sendable, CustomStringConvertible {
    /// The sequencer could not be reached; the submission was never delivered.
    case unreachable(String)
    /// The node reached no longer sequences; it did not sequence the submission.
    case notSequencer
    /// The submission was sent but no answer came back: it may or may not be on the ledger.
    case outcomeUnknown(String)

    /// True when the submission surely was not sequenced, so sending it again cannot record it twice
    /// (and a replay would be refused by its nonce anyway).
    public var notSequenced: Bool {
        switch self {
        case .unreachable, .notSequencer: true
        case .outcomeUnknown: false
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let why): "the sequencing node could not be reached: \(why)"
        case .notSequencer: "the node reached does not sequence the ledger now"
        case .outcomeUnknown(let why): "the sequencing node did not answer: \(why)"
        }
    }
}
