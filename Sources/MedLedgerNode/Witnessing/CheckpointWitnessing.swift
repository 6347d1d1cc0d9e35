import Logging
import MedLedgerCore
import ServiceLifecycle

/// Gets the node's checkpoints cosigned by its witnesses, and keeps the newest one that meets the
/// ``WitnessPolicy``, merged with the cosignatures, for `GET /checkpoint`.
///
/// It follows the node from the outside: it polls ``LedgerNode/checkpoint`` (a lock-protected read)
/// and asks the store for consistency proofs, so sequencing never waits on a witness. Every poll,
/// each witness that is idle, not backing off and has not cosigned the latest checkpoint is sent
/// it, with a proof from the size that witness last cosigned. Witnesses idle at the same moment get
/// the same checkpoint, which keeps their cosignatures on common checkpoints so a quorum can form;
/// a slow witness does not hold the others back. A 409 makes the node adopt the witness's size and
/// retry once; a timeout or failure backs that witness off exponentially.
public actor CheckpointWitnessing: WitnessedCheckpointProvider {
    /// One configured witness: its cosigning key (type `cosignature/v1`) and how to reach it.
    public struct Witness: Sendable {
        public let key: NoteVerifierKey
        public let client: any WitnessClient

        public init(key: NoteVerifierKey, client: any WitnessClient) {
            self.key = key
            self.client = client
        }
    }

    /// Polling, timeout and back-off, adjustable for tests.
    public struct Timing: Sendable {
        /// How often the node's latest checkpoint is looked at.
        public var pollInterval: Duration = .milliseconds(50)
        /// How long one witness request (both attempts, with a 409 retry) may take.
        public var requestTimeout: Duration = .seconds(2)
        /// Back-off after the first failure; doubles per failure up to `maxBackoff`.
        public var initialBackoff: Duration = .milliseconds(500)
        public var maxBackoff: Duration = .seconds(30)

        public init() {}
    }

    public nonisolated let policy: WitnessPolicy
    private let node: LedgerNode
    private let witnesses: [Witness]
    private let store: (any WitnessedCheckpointStore)?
    private let timing: Timing
    private let logger: Logger
    private nonisolated let published: PublishedHead

    /// What the node knows of each witness, by index in `witnesses`.
    private struct Progress {
        /// The size the witness last cosigned (or reported in a 409); 0 when unknown.
        var size: UInt64 = 0
        /// Size of the latest checkpoint whose cosignature by this witness is held.
        var cosignedSize: UInt64 = 0
        var inFlight = false
        var failures = 0
        var retryAt: ContinuousClock.Instant?
    }
    private var progress: [Progress]
    /// Cosignatures collected per checkpoint size, for checkpoints not yet superseded by a published one.
    private var collected: [UInt64: (checkpoint: SignedCheckpoint, lines: [SignedNote.Signature])] = [:]
    /// Bound on `collected` when no checkpoint meets the policy for a long time.
    private static let maxCollected = 64

    /// Restores the saved witnessed checkpoint, when it still verifies against the log key and the
    /// current policy (witnesses or quorum may have changed since it was saved).
    public init(
        node: LedgerNode, witnesses: [Witness], quorum: Int, store: (any WitnessedCheckpointStore)? = nil,
        timing: Timing = Timing(), logger: Logger = Logger(label: "medledger.witnessing")
    ) throws {
        self.node = node
        self.witnesses = witnesses
        self.policy = WitnessPolicy(witnesses: witnesses.map(\.key), quorum: quorum)
        self.store = store
        self.timing = timing
        self.logger = logger
        var progress = Array(repeating: Progress(), count: witnesses.count)
        var restored: SignedCheckpoint?
        if let note = try store?.load() {
            restored = Self.verified(note, logKey: node.verifierKey, policy: policy, maxSize: node.size)
            if let restored {
                for (index, witness) in witnesses.enumerated() where witness.key.cosignatureTime(on: restored.note) != nil {
                    progress[index].size = restored.checkpoint.size
                    progress[index].cosignedSize = restored.checkpoint.size
                }
            } else {
                logger.warning("the saved witnessed checkpoint no longer meets the witness policy; waiting for a new one")
            }
        }
        self.progress = progress
        self.published = PublishedHead(restored)
    }

    /// The newest checkpoint that met the policy, with the log's signature and the witnesses'
    /// valid cosignatures; nil until one has.
    public nonisolated var witnessedCheckpoint: SignedCheckpoint? { published.checkpoint }

    /// Follows the node until cancelled. Never throws: witnesses failing is an ordinary condition.
    public func run() async {
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                for dispatch in dueRequests() {
                    group.addTask {
                        let attempt = await Self.send(dispatch)
                        await self.finish(dispatch, attempt)
                    }
                }
                try? await Task.sleep(for: timing.pollInterval)
            }
        }
    }

    /// One request to send: which witness, which checkpoint, from which size.
    struct Dispatch: Sendable {
        let index: Int
        let witness: Witness
        let checkpoint: SignedCheckpoint
        let oldSize: UInt64
        let node: LedgerNode
        let timeout: Duration
    }

    /// Marks and returns the witnesses to ask about the node's latest checkpoint now.
    private func dueRequests() -> [Dispatch] {
        guard let latest = node.checkpoint else { return [] }
        let now = ContinuousClock.now
        var due: [Dispatch] = []
        for index in witnesses.indices {
            let state = progress[index]
            guard !state.inFlight, state.retryAt.map({ $0 <= now }) ?? true,
                state.cosignedSize < latest.checkpoint.size, state.size <= latest.checkpoint.size
            else { continue }
            progress[index].inFlight = true
            due.append(Dispatch(
                index: index, witness: witnesses[index], checkpoint: latest, oldSize: state.size, node: node, timeout: timing.requestTimeout
            ))
        }
        if !due.isEmpty, collected[latest.checkpoint.size] == nil {
            collected[latest.checkpoint.size] = (latest, [])
            if collected.count > Self.maxCollected, let oldest = collected.keys.min() { collected[oldest] = nil }
        }
        return due
    }

    /// Sends one checkpoint to one witness, within the timeout, retrying once from the size a 409 names.
    static func send(_ dispatch: Dispatch) async -> WitnessAnswer {
        let size = dispatch.checkpoint.checkpoint.size
        do {
            return try await withTimeout(dispatch.timeout) {
                var oldSize = dispatch.oldSize
                for attempt in 0..<2 {
                    let proof = try await dispatch.node.consistencyProof(from: oldSize, to: size)
                    let answer = try await dispatch.witness.client.addCheckpoint(oldSize: oldSize, proof: proof, checkpoint: dispatch.checkpoint.note)
                    guard case .conflict(let recorded) = answer, attempt == 0, recorded != oldSize, recorded <= size else { return answer }
                    oldSize = recorded
                }
                return .failure("the witness answered 409 twice")
            }
        } catch is WitnessTimeout {
            return .failure("no answer within \(dispatch.timeout)")
        } catch {
            return .failure(String(describing: error))
        }
    }

    /// Records a dispatch's outcome and publishes the checkpoint if it now meets the policy.
    private func finish(_ dispatch: Dispatch, _ attempt: WitnessAnswer) {
        let index = dispatch.index
        progress[index].inFlight = false
        let name = dispatch.witness.key.name
        let size = dispatch.checkpoint.checkpoint.size
        switch attempt {
        case .cosignatures(let lines):
            let key = dispatch.witness.key
            guard let line = key.validLines(in: SignedNote(text: dispatch.checkpoint.note.text, signatures: lines)).last else {
                failed(index, name: name, reason: "the answer holds no valid cosignature by the configured key")
                return
            }
            if progress[index].failures > 0 { logger.info("witness answers again", metadata: ["witness": "\(name)", "size": "\(size)"]) }
            progress[index].size = max(progress[index].size, size)
            progress[index].cosignedSize = max(progress[index].cosignedSize, size)
            progress[index].failures = 0
            progress[index].retryAt = nil
            add(line, by: key, to: dispatch.checkpoint)
        case .conflict(let recorded):
            progress[index].size = recorded
            failed(index, name: name, reason: "the witness holds size \(recorded), which the node cannot prove consistent with size \(size)")
        case .failure(let reason):
            failed(index, name: name, reason: reason)
        }
    }

    private func failed(_ index: Int, name: String, reason: String) {
        progress[index].failures += 1
        let failures = progress[index].failures
        let delay = min(timing.initialBackoff * (1 << min(failures - 1, 20)), timing.maxBackoff)
        progress[index].retryAt = ContinuousClock.now + delay
        logger.log(
            level: failures == 1 ? .warning : .debug, "witness did not cosign",
            metadata: ["witness": "\(name)", "reason": "\(reason)", "failures": "\(failures)", "retryIn": "\(delay)"]
        )
    }

    /// Adds a verified cosignature line and publishes the checkpoint when it meets the policy and is
    /// newer (or, at the same size, better cosigned) than the published one.
    private func add(_ line: SignedNote.Signature, by key: NoteVerifierKey, to checkpoint: SignedCheckpoint) {
        let size = checkpoint.checkpoint.size
        var entry = collected[size] ?? (checkpoint, [])
        if entry.checkpoint.note.text != checkpoint.note.text { entry = (checkpoint, []) }
        entry.lines.removeAll { $0.name == key.name && $0.keyID == key.keyID }
        entry.lines.append(line)
        collected[size] = entry
        let current = published.checkpoint
        if let current, current.checkpoint.size > size { return }
        // Cosignature lines in the policy's order, so the served note does not depend on timing.
        let ordered = policy.witnesses.flatMap { witness in entry.lines.filter { $0.name == witness.name && $0.keyID == witness.keyID } }
        let note = SignedNote(text: checkpoint.note.text, signatures: checkpoint.note.signatures + ordered)
        // The lines were verified as they arrived, one per witness: count them, do not verify again.
        let cosigners = policy.witnesses.filter { witness in entry.lines.contains { $0.name == witness.name && $0.keyID == witness.keyID } }.count
        guard cosigners >= policy.quorum else { return }
        if let current, current.checkpoint.size == size, current.note.signatures.count >= note.signatures.count { return }
        let witnessed = SignedCheckpoint(checkpoint: checkpoint.checkpoint, note: note)
        published.set(witnessed)
        collected = collected.filter { $0.key >= size }
        logger.debug("checkpoint witnessed", metadata: ["size": "\(size)", "cosigners": "\(cosigners)"])
        do {
            try store?.save(note)
        } catch {
            logger.error("cannot save the witnessed checkpoint", metadata: ["error": "\(error)"])
        }
    }

    /// The note's log signature and valid policy cosignatures, if the policy holds and the log
    /// signed it; what a restart may serve at once.
    static func verified(_ note: SignedNote, logKey: NoteVerifierKey, policy: WitnessPolicy, maxSize: UInt64) -> SignedCheckpoint? {
        guard logKey.hasSigned(note), let checkpoint = try? Checkpoint.parse(note.text),
            checkpoint.origin == logKey.name, checkpoint.size <= maxSize
        else { return nil }
        let logLines = logKey.validLines(in: note)
        let cosignatures = policy.witnesses.flatMap { $0.validLines(in: note).suffix(1) }
        let cleaned = SignedNote(text: note.text, signatures: logLines + cosignatures)
        guard policy.isSatisfied(by: cleaned) else { return nil }
        return SignedCheckpoint(checkpoint: checkpoint, note: cleaned)
    }
}

/// Runs ``CheckpointWitnessing`` beside the server and stops with it.
public struct CheckpointWitnessingService: Service {
    let witnessing: CheckpointWitnessing

    public init(witnessing: CheckpointWitnessing) {
        self.witnessing = witnessing
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await witnessing.run()
        }
    }
}

/// A witness request ran out of time.
struct WitnessTimeout: Error {}

/// Runs `operation`, cancelling it when `timeout` passes first.
func withTimeout<T: Sendable>(_ timeout: Duration, _ operation: @escaping @Sendable () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T.self) { group in
        group.addTask { try await operation() }
        group.addTask {
            try await Task.sleep(for: timeout)
            throw WitnessTimeout()
        }
        defer { group.cancelAll() }
        guard let result = try await group.next() else { throw WitnessTimeout() }
        return result
    }
}
