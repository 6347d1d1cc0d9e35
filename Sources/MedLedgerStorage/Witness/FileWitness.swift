import Foundation
import MedLedgerCore

/// A witness whose state lives in a ``WitnessDirectory``.
///
/// The actor is the lock the tlog-witness spec asks for: deciding, persisting and committing a
/// request happen in one actor turn with no suspension point, so two requests can never both be
/// checked against the same recorded size and roll it back. The record is on disk (fsynced,
/// renamed, directory fsynced) before the cosignature is made, so a cosigned checkpoint is never
/// forgotten by a crash. Writes block the actor's thread for an fsync; a witness sees a handful of
/// requests per second per log, so that is the simple and correct trade.
public actor FileWitness: CheckpointWitness {
    public nonisolated let verifierKey: NoteVerifierKey
    private let key: CosignerKey
    private let directory: WitnessDirectory
    private let clock: @Sendable () -> Int64
    private var state: WitnessState

    /// Opens an initialised witness directory: its key, trusted logs and records.
    public init(directory: WitnessDirectory, clock: @escaping @Sendable () -> Int64 = UnixMilliseconds.now) throws {
        guard directory.isInitialized else { throw DataDirectoryError("\(directory.url.path) is not a witness directory; run `medledger witness init` first") }
        let key = try directory.readKey()
        self.key = key
        self.verifierKey = key.verifierKey
        self.directory = directory
        self.clock = clock
        let logs = try directory.readTrustedLogs()
        self.state = WitnessState(logKeys: logs, records: try directory.readRecords())
    }

    /// The latest cosigned checkpoint per origin.
    public var records: [String: WitnessRecord] { state.records }

    /// The trusted log keys by origin.
    public var trustedLogs: [String: [NoteVerifierKey]] { state.trustedLogs }

    public func addCheckpoint(_ request: AddCheckpointRequest, body: [UInt8]) throws -> WitnessOutcome {
        let action = state.decide(request)
        guard case .cosign(let record) = action else {
            if let evidence = action.evidence {
                try directory.keepEvidence(evidence, body: body, receivedAt: clock())
            }
            // A refusal always maps to an outcome; only `.cosign` does not.
            return WitnessOutcome(refusal: action) ?? .badRequest("refused")
        }
        // The same checkpoint sent again is cosigned again, but there is nothing new to make durable.
        if state.records[record.origin] != record {
            try directory.saveRecord(record)
            state.record(record)
        }
        let time = UInt64(max(0, clock() / 1000))
        return .cosigned([try key.cosign(record.checkpoint, time: time)])
    }
}
