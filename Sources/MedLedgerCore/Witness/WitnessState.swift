/// The witness's decision logic, as a value state machine: the latest cosigned checkpoint of each
/// log, and which log keys it trusts.
///
/// ``decide(_:)`` does not change the state; the caller persists a ``Action/cosign(_:)`` record,
/// then calls ``record(_:)``, then signs and answers. Keeping decide-persist-commit in that order
/// under one lock (see the storage layer's witness) is what stops two concurrent requests from
/// rolling the log's recorded size back, the race the tlog-witness spec warns about. Being a pure
/// value, every branch is testable without disks or sockets.
public struct WitnessState: Sendable, Equatable {
    /// Trusted log verifier keys by origin (several when a log rotates its key).
    public var trustedLogs: [String: [NoteVerifierKey]]
    /// The latest cosigned checkpoint by origin.
    public private(set) var records: [String: WitnessRecord]

    public init(trustedLogs: [String: [NoteVerifierKey]], records: [String: WitnessRecord] = [:]) {
        self.trustedLogs = trustedLogs
        self.records = records
    }

    /// Groups log keys by their name, which signed-note makes the log's origin.
    public init(logKeys: [NoteVerifierKey], records: [String: WitnessRecord] = [:]) {
        self.init(trustedLogs: Dictionary(grouping: logKeys, by: \.name), records: records)
    }

    /// What to do with one request. Every refusal says what evidence, if any, to keep.
    public enum Action: Sendable, Equatable {
        /// All checks passed: persist this record, then cosign its checkpoint (200).
        case cosign(WitnessRecord)
        /// `old` is not the recorded size, or the sizes match and the roots do not (409, body
        /// `<recordedSize>\n`). A same-size different-root conflict is a fork and carries evidence.
        case conflict(recordedSize: UInt64, evidence: WitnessEvidence?)
        /// The consistency proof does not verify (422); the signed checkpoint is kept.
        case unprocessable(WitnessEvidence)
        /// No signature by a trusted key for the origin verifies (403).
        case forbidden
        /// The origin is not a log this witness serves (404).
        case notFound(origin: String)
        /// The request is malformed or `old` exceeds the checkpoint's size (400).
        case badRequest(String)

        /// The refused request to keep, if any.
        public var evidence: WitnessEvidence? {
            switch self {
            case .conflict(_, let evidence): evidence
            case .unprocessable(let evidence): evidence
            case .cosign, .forbidden, .notFound, .badRequest: nil
            }
        }
    }

    /// Checks a request in the order tlog-witness gives: origin, signature, sizes, recorded size,
    /// same-size roots, consistency proof.
    public func decide(_ request: AddCheckpointRequest) -> Action {
        let head: TreeHead
        do {
            head = try TreeHead.parse(noteText: request.checkpoint.text)
        } catch {
            return .badRequest(error.description)
        }
        guard let keys = trustedLogs[head.origin], !keys.isEmpty else { return .notFound(origin: head.origin) }
        guard keys.contains(where: { $0.type == .ed25519 && $0.hasSigned(request.checkpoint) }) else { return .forbidden }
        guard request.oldSize <= head.size else {
            return .badRequest("old size \(request.oldSize) is larger than the checkpoint's size \(head.size)")
        }
        let record = records[head.origin]
        let recordedSize = record?.size ?? 0
        guard request.oldSize == recordedSize else { return .conflict(recordedSize: recordedSize, evidence: nil) }
        let candidate = WitnessRecord(head: head, checkpoint: logSignatures(of: request.checkpoint, keys: keys))
        // One size, two roots is a fork, whatever the size (0 included).
        if let record, head.size == record.size, head.root != record.head.root {
            return .conflict(recordedSize: recordedSize, evidence: WitnessEvidence(reason: .fork, request: request, record: record))
        }
        // RFC 9162 consistency from what is recorded: from nothing (size 0) or the same tree only
        // an empty proof verifies.
        guard MerkleProofVerifier.verifyConsistency(
            oldSize: recordedSize, newSize: head.size, oldRoot: record?.head.root ?? head.root, newRoot: head.root, proof: request.proof
        ) else {
            return .unprocessable(WitnessEvidence(reason: .inconsistent, request: request, record: record))
        }
        return .cosign(candidate)
    }

    /// Commits a record once it is durable.
    public mutating func record(_ record: WitnessRecord) {
        records[record.origin] = record
    }

    /// The checkpoint with only the trusted log's valid signatures, which is what gets recorded:
    /// whatever else a submitter attached (other witnesses' lines, junk) is not the witness's to keep.
    private func logSignatures(of note: SignedNote, keys: [NoteVerifierKey]) -> SignedNote {
        SignedNote(text: note.text, signatures: keys.filter { $0.type == .ed25519 }.flatMap { $0.validLines(in: note) })
    }
}
