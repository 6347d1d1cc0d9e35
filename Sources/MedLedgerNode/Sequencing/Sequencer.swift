import Logging
import MedLedgerCore
import Synchronization

/// Orders verified transactions into blocks and writes them with group commit.
///
/// Exactly one sequencer writes a ledger. While a block is being written and synced, new
/// submissions queue; the next block takes them all (up to `maxBatch`). A caller is answered only
/// after its block is durable, so an index once returned is never lost.
///
/// Sealing is pipelined with writing: while block N is being written, block N+1 is already sealed
/// (nonces checked, contracts applied, checkpoint signed) on top of N, and its write starts the
/// moment N's commits. At most one block is being written at a time, so blocks commit in order. If
/// N's write fails, N+1 is not written either: both batches are answered with
/// ``SequencerError/storageFailure`` and the head and contract state are reloaded from the store.
///
/// The writer is structured: a block's write is a child task of the loop that sealed it, and the
/// loop belongs to whoever runs it. A serving node runs it for its whole life with ``run()`` (see
/// ``LedgerNode/run()``, a swift-service-lifecycle `Service`); ``close()`` stops new submissions,
/// and the loop returns only after every queued one is written and answered. Without a running
/// loop (one-shot commands, tests) the first submitter finds no writer and drives the loop itself
/// until the queue is empty, so no write outlives the calls that asked for it.
///
/// On a store several nodes share (``SharedLedgerStore``) the sequencer has a role, set by the
/// node's ``ClusterMembership`` from the lease: while this node holds the lease it sequences as
/// above (every append fenced by the lease's epoch in the store); otherwise it follows, applying
/// what the store's newer blocks changed to its copy of the state, and hands each submission to
/// the node that sequences through a ``SubmissionForwarder``.
public actor Sequencer {
    let store: any LedgerStore
    private let builder: BlockBuilder
    let clock: @Sendable () -> Int64
    private let maxBatch: Int
    let logger: Logger
    /// The head after the latest sealed block (which may still be being written).
    var head: LedgerHead
    /// The contract state after the latest sealed block. Owned here alone, so blocks change it in place.
    var contracts: ContractState
    /// Set when `head` and `contracts` may be ahead of the store (a block was lost): reload both.
    var stale = false
    /// Nonces of the block being written, which the store cannot report yet.
    private var writingNonces: Set<NonceKey> = []
    /// Submissions waiting for the next block.
    private var queue: [Pending] = []
    /// Who runs the write loop now.
    private var writer = Writer.none
    /// Set once the block in flight has finished (committed or failed), until the loop collects it.
    private var writeFinished = false
    /// The loop waiting for work, a finished write or ``close()``.
    private var wake: CheckedContinuation<Void, Never>?
    /// ``run()`` calls waiting for a submitter's loop to finish.
    private var waitingToRun: [CheckedContinuation<Void, Never>] = []
    /// Set by ``close()``: new submissions are refused, queued ones are still written.
    var closed = false
    /// The latest durable checkpoint, readable without waiting on the actor.
    nonisolated let published: PublishedHead
    /// Whether this node writes the ledger itself or hands submissions on.
    var role: SequencerRole
    /// Hands submissions to the sequencing node while this one follows (shared stores only).
    let forwarder: (any SubmissionForwarder)?
    /// How long a submission waits for a sequencer to be reachable before it is refused (ms).
    let forwardPatience: Int64 = 10_000

    private enum Writer: Equatable {
        case none
        /// A submitter drives the loop until the queue is empty.
        case submitter
        /// ``run()`` drives it until ``close()``.
        case service
    }

    struct Pending: Sendable {
        let transaction: VerifiedTransaction
        let reply: @Sendable (Result<Receipt, any Error>) -> Void
    }

    /// A sealed block and the submissions it answers.
    private struct SealedWrite: Sendable {
        let block: SealedBlock
        let admitted: [(Pending, BlockBuilder.Admission)]
    }

    /// The accounts of the current state (a copy-on-write share, not a copy).
    func accounts() -> [AccountAddress: Account] { contracts.accounts }

    /// The system parameters of the current state.
    func parameters() -> SystemParameters { contracts.parameters }

    /// A record as the current state holds it.
    func record(_ id: String) -> MedicalRecord? { contracts.records[id] }

    /// The sign-in session a session key belongs to.
    func session(_ key: AccountAddress) -> Session? { contracts.sessions[key] }

    /// Something computed from the current state (content claims, upload permission).
    func read<Value: Sendable>(_ body: @Sendable (ContractState) -> Value) -> Value { body(contracts) }

    /// Patients whose erasure the contracts confirmed.
    func erasedPatients() -> [AccountAddress] { Array(contracts.erasedPatients) }

    init(
        store: any LedgerStore, builder: BlockBuilder, head: LedgerHead, contracts: ContractState,
        clock: @escaping @Sendable () -> Int64, maxBatch: Int, logger: Logger, forwarder: (any SubmissionForwarder)? = nil
    ) {
        self.role = forwarder == nil ? .standalone : .following(endpoint: nil)
        self.forwarder = forwarder
        self.store = store
        self.builder = builder
        self.head = head
        self.contracts = contracts
        self.clock = clock
        self.maxBatch = maxBatch
        self.logger = logger
        self.published = PublishedHead(head.checkpoint)
    }

    /// Queues a verified transaction and returns once its block is durable. Throws
    /// ``SequencerError/stopped`` after ``close()``.
    func sequence(_ transaction: VerifiedTransaction) async throws -> Receipt {
        guard !closed else { throw SequencerError.stopped }
        if case .following = role { return try await forward(transaction) }
        return try await enqueue(transaction)
    }

    /// Sequences a submission another node handed on; refused with ``SequencerError/notSequencer``
    /// unless this node sequences now (never handed on again, so nodes cannot pass one in circles).
    func sequenceHandedOn(_ transaction: VerifiedTransaction) async throws -> Receipt {
        guard !closed else { throw SequencerError.stopped }
        guard case .sequencing = role else { throw SequencerError.notSequencer }
        return try await enqueue(transaction)
    }

    func enqueue(_ transaction: VerifiedTransaction) async throws -> Receipt {
        guard writer == .none else {
            return try await withCheckedThrowingContinuation { continuation in
                queue.append(Pending(transaction: transaction, reply: { continuation.resume(with: $0) }))
                wakeWriter()
            }
        }
        // No loop is running: this caller runs it, and its own block is written before it returns.
        let answer = ReplySlot()
        queue.append(Pending(transaction: transaction, reply: answer.set))
        writer = .submitter
        await writeQueued(until: .submitter)
        guard let result = answer.result else { throw SequencerError.storageFailure }
        return try result.get()
    }

    /// Runs the write loop until ``close()``, then writes what is queued and returns. Waits first
    /// for a submitter's loop to finish, so one loop runs at a time.
    func run() async {
        while writer != .none {
            await withCheckedContinuation { waitingToRun.append($0) }
        }
        guard !closed else { return }
        writer = .service
        await writeQueued(until: .service)
    }

    /// Refuses new submissions from now on; the running loop writes and answers every queued one,
    /// then stops. Safe to repeat.
    func close() {
        closed = true
        wakeWriter()
    }

    private func wakeWriter() {
        wake?.resume()
        wake = nil
    }

    /// The write loop: takes batches, seals each on top of the last, and writes it as a child task
    /// while the next one is sealed. Returns once nothing is queued or in flight and, for the
    /// service, once closed.
    private func writeQueued(until mode: Writer) async {
        await withTaskGroup(of: Bool.self) { group in
            var inFlight = false
            while true {
                if queue.isEmpty {
                    if inFlight, writeFinished {
                        let committed = await group.next() ?? true
                        (inFlight, writeFinished) = (false, false)
                        if !committed, queue.isEmpty { await dropLostChanges() }
                        continue
                    }
                    if !inFlight, mode == .submitter || closed {
                        writer = .none
                        for waiting in waitingToRun { waiting.resume() }
                        waitingToRun = []
                        return
                    }
                    await withCheckedContinuation { wake = $0 }
                    continue
                }
                let batch = takeBatch()
                if stale, inFlight {
                    // A write failed: wait for it before reloading the state it left behind.
                    _ = await group.next()
                    (inFlight, writeFinished) = (false, false)
                }
                guard let sealed = await seal(batch) else { continue }
                // The block before this one must commit first; if it did not, this one was built on it.
                if inFlight {
                    let committed = await group.next() ?? false
                    (inFlight, writeFinished) = (false, false)
                    if !committed {
                        writingNonces = []
                        stale = true
                        logger.error("dropping a sealed block: the block before it was not committed", metadata: ["batch": "\(sealed.admitted.count)"])
                        for (pending, _) in sealed.admitted { pending.reply(.failure(SequencerError.storageFailure)) }
                        continue
                    }
                }
                writingNonces = Set(sealed.block.entries.map { $0.transaction.nonceKey })
                group.addTask { [store, published, logger] in
                    let committed = await Self.write(sealed, to: store, published: published, logger: logger) {
                        // Before anyone hears of the failure (and may resubmit), make the next batch reload.
                        await self.markStale()
                    }
                    await self.finishedWrite()
                    return committed
                }
                inFlight = true
            }
        }
    }

    private func takeBatch() -> [Pending] {
        guard queue.count > maxBatch else {
            defer { queue = [] }
            return queue
        }
        let batch = Array(queue.prefix(maxBatch))
        queue.removeFirst(maxBatch)
        return batch
    }

    private func markStale() { stale = true }

    /// After a lost block with nothing else queued: reloads at once, so the node's reads (accounts,
    /// sessions, records) stop showing what the lost block changed. A following node's catch-up
    /// does this for it; if the store cannot be read now, the next block reloads first.
    private func dropLostChanges() async {
        guard stale else { return }
        if case .following = role { return }
        do {
            try await reload()
        } catch {
            logger.warning("could not reload the state after a lost block; the next block reloads it", metadata: ["error": "\(error)"])
        }
    }

    private func finishedWrite() {
        writeFinished = true
        wakeWriter()
    }

    /// Seals one batch on top of the latest sealed block; answers the refused submissions at once.
    /// Nil when nothing in the batch was admitted or sealing failed.
    private func seal(_ batch: [Pending]) async -> SealedWrite? {
        let candidates = batch.map(\.transaction)
        let result: BlockBuilder.Result
        do {
            if stale { try await reload() }
            var existing = try await store.existingNonces(candidates.map(\.nonceKey))
            for candidate in candidates where writingNonces.contains(candidate.nonceKey) { existing.insert(candidate.nonceKey) }
            stale = true  // `contracts` is changed in place while sealing
            result = try builder.seal(after: head, state: &contracts, candidates: candidates, existingNonces: existing, time: clock())
            if let block = result.block { head = LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier) }
            stale = false
        } catch {
            logger.error("sealing failed; the batch was not committed", metadata: ["error": "\(error)", "batch": "\(batch.count)"])
            for pending in batch { pending.reply(.failure(SequencerError.storageFailure)) }
            return nil
        }
        var admitted: [(Pending, BlockBuilder.Admission)] = []
        for (pending, outcome) in zip(batch, result.outcomes) {
            switch outcome {
            case .success(let admission): admitted.append((pending, admission))
            case .failure(let refusal): pending.reply(.failure(refusal))  // final whatever happens to the block
            }
        }
        guard let block = result.block else { return nil }
        return SealedWrite(block: block, admitted: admitted)
    }

    /// Writes a sealed block and answers its submissions; true once it committed.
    private static func write(
        _ sealed: SealedWrite, to store: any LedgerStore, published: PublishedHead, logger: Logger,
        onFailure: @Sendable () async -> Void
    ) async -> Bool {
        do {
            try await store.append(sealed.block)
        } catch {
            logger.error("block write failed; the batch was not committed", metadata: ["error": "\(error)", "batch": "\(sealed.admitted.count)"])
            await onFailure()
            for (pending, _) in sealed.admitted { pending.reply(.failure(SequencerError.storageFailure)) }
            return false
        }
        let checkpoint = sealed.block.checkpoint
        published.set(checkpoint)
        logger.debug("sealed block", metadata: ["size": "\(checkpoint.checkpoint.size)", "entries": "\(sealed.block.entries.count)"])
        for (pending, admission) in sealed.admitted {
            pending.reply(.success(Receipt(
                index: admission.index, leafHash: pending.transaction.leafHash, checkpoint: checkpoint, contract: admission.contract
            )))
        }
        return true
    }

    /// Rebuilds the head and the contract state from the store after a lost block (the loop has
    /// already waited for the write in flight). Two reads: only for a node that writes the store
    /// itself (a following one takes a snapshot, ``catchUp(toAtLeast:)``).
    private func reload() async throws {
        writingNonces = []
        head = try await store.head()
        contracts = try await store.contractState()
        if let checkpoint = head.checkpoint, checkpoint.checkpoint.size > published.checkpoint?.checkpoint.size ?? 0 {
            published.set(checkpoint)
        }
        stale = false
    }
}

/// Submissions the sequencer could not write.
public enum SequencerError: Error, Sendable, CustomStringConvertible {
    case storageFailure
    /// The node is shutting down and takes no new submissions.
    case stopped
    /// No node of a shared ledger could be reached to sequence the submission; nothing was recorded.
    case noSequencer
    /// A submission was handed to this node, which does not sequence now.
    case notSequencer

    /// Stable identifier for clients (503 answers).
    public var code: String {
        switch self {
        case .storageFailure: "storage_unavailable"
        case .stopped: "shutting_down"
        case .noSequencer, .notSequencer: "no_sequencer"
        }
    }

    public var description: String {
        switch self {
        case .storageFailure: "The ledger could not be written; nothing was recorded. Try again."
        case .stopped: "The ledger is shutting down; nothing was recorded. Try again shortly."
        case .noSequencer: "No node is sequencing the ledger at the moment; nothing was recorded. Try again shortly."
        case .notSequencer: "This node does not sequence the ledger now."
        }
    }
}

/// Holds the answer for a submitter that runs the write loop itself (it cannot wait on a
/// continuation while it writes).
private final class ReplySlot: Sendable {
    private let value = Mutex<Result<Receipt, any Error>?>(nil)

    @Sendable func set(_ result: Result<Receipt, any Error>) {
        value.withLock { $0 = result }
    }

    var result: Result<Receipt, any Error>? { value.withLock { $0 } }
}

/// The latest durable checkpoint, shared between the sequencer and readers.
final class PublishedHead: Sendable {
    private let value: Mutex<SignedCheckpoint?>

    init(_ checkpoint: SignedCheckpoint?) {
        self.value = Mutex(checkpoint)
    }

    func set(_ checkpoint: SignedCheckpoint) {
        value.withLock { $0 = checkpoint }
    }

    var checkpoint: SignedCheckpoint? { value.withLock { $0 } }
}
