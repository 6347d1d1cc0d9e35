import MedLedgerCore

/// The sequencer's answer to a submission another node handed on, as JSON between nodes: the
/// receipt, or what refused it. Both ends run the same build.
public struct HandedOnAnswer: Codable, Sendable {
    public struct Receipt: Codable, Sendable {
        public var index: UInt64
        public var leafHash: String
        /// The signed checkpoint note of the block holding the entry.
        public var checkpoint: String
        public var contract: ContractOutcome?

        public init(index: UInt64, leafHash: String, checkpoint: String, contract: ContractOutcome?) {
            self.index = index
            self.leafHash = leafHash
            self.checkpoint = checkpoint
            self.contract = contract
        }
    }

    public enum Failure: String, Codable, Sendable {
        case storageFailure, stopped, noSequencer, notSequencer
    }

    public var receipt: Receipt?
    public var refusal: EnvelopeError?
    public var failure: Failure?

    /// The answer for a receipt.
    public init(_ receipt: MedLedgerNode.Receipt) {
        self.receipt = Receipt(
            index: receipt.index, leafHash: Hex.encode(receipt.leafHash.bytes), checkpoint: receipt.checkpoint.note.serialized,
            contract: receipt.contract)
    }

    /// The answer for an error the sequencer raised; nil for one that does not travel (the caller
    /// answers it as a failure of its own).
    public init?(_ error: any Error) {
        switch error {
        case let refusal as EnvelopeError:
            self.refusal = refusal
        case let failure as SequencerError:
            switch failure {
            case .storageFailure: self.failure = .storageFailure
            case .stopped: self.failure = .stopped
            case .noSequencer: self.failure = .noSequencer
            case .notSequencer: self.failure = .notSequencer
            }
        default:
            return nil
        }
    }

    /// The receipt, checked against the log's key; or the refusal thrown as it was raised.
    public func result(verifier: NoteVerifierKey) throws -> MedLedgerNode.Receipt {
        if let refusal { throw refusal }
        if let failure {
            switch failure {
            case .storageFailure: throw SequencerError.storageFailure
            case .stopped: throw ForwardingError.notSequencer
            case .noSequencer: throw SequencerError.noSequencer
            case .notSequencer: throw ForwardingError.notSequencer
            }
        }
        guard let receipt, let leafBytes = Hex.decode(receipt.leafHash), let leafHash = TreeHash(leafBytes),
            let note = try? SignedNote.parse(receipt.checkpoint), verifier.hasSigned(note),
            let checkpoint = try? Checkpoint.parse(note.text), receipt.index < checkpoint.size
        else { throw ForwardingError.outcomeUnknown("the sequencer's answer is not a receipt signed by this log") }
        return MedLedgerNode.Receipt(
            index: receipt.index, leafHash: leafHash, checkpoint: SignedCheckpoint(checkpoint: checkpoint, note: note),
            contract: receipt.contract)
    }
}
