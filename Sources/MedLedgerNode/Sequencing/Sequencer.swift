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
public actor Sequencer {
    private let store: any LedgerStore
    private let builder: BlockBuilder
    private let clock: @Sendable () -> Int64
    private let maxBatch: Int
    private let logger: Logger
    /// The head after the latest sealed block (which may still be being written).
    private var head: LedgerHead
    /// The contract state after the latest sealed block. Owned here alone, so blocks change it in place.
    private var contracts: ContractState
    /// Set when `head` and `contracts` may be ahead of the store (a block was lost): reload both.
    private var stale = false
    /// The block being written; its task returns true once the block committed.
    private var writing: Task<Bool, Never>?
    /// Nonces of the block being written, which the store cannot report yet.
    private var writingNonces: Set<NonceKey> = []
    private var state = GroupCommitState<Pending>()
    /// The latest durable checkpoint, readable without waiting on the actor.
    nonisolated let published: PublishedHead

    struct Pending {
        let transaction: VerifiedTransaction
        let continuation: CheckedContinuation<Receipt, any Error>
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
        clock: @escaping @Sendable () -> Int64, maxBatch: Int, logger: Logger
    ) {
        self.store = store
        self.builder = builder
        self.head = head
        self.contracts = contracts
        self.clock = clock
        self.maxBatch = maxBatch
        self.logger = logger
        self.published = PublishedHead(head.checkpoint)
    }

    /// Queues a verified transaction and returns once its block is durable.
    func sequence(_ transaction: VerifiedTransaction) async throws -> Receipt {
        try await withCheckedThrowingContinuation { continuation in
            if state.enqueue(Pending(transaction: transaction, continuation: continuation)) == .startWriter {
                Task { await self.runWriter() }
            }
        }
    }

    private func runWriter() async {
        while case .write(let batch) = state.next(maxBatch: maxBatch) {
            await process(batch)
        }
    }

    /// Seals one batch on top of the latest sealed block, then hands it to the writer once the
    /// block before it has committed.
    private func process(_ batch: [Pending]) async {
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
            for pending in batch { pending.continuation.resume(throwing: SequencerError.storageFailure) }
            return
        }
        var admitted: [(Pending, BlockBuilder.Admission)] = []
        for (pending, outcome) in zip(batch, result.outcomes) {
            switch outcome {
            case .success(let admission): admitted.append((pending, admission))
            case .failure(let refusal): pending.continuation.resume(throwing: refusal)  // final whatever happens to the block
            }
        }
        guard let block = result.block else { return }
        // The block before this one must commit first; if it did not, this one was built on it.
        if let previous = writing, await previous.value == false {
            writing = nil
            writingNonces = []
            stale = true
            logger.error("dropping a sealed block: the block before it was not committed", metadata: ["batch": "\(admitted.count)"])
            for (pending, _) in admitted { pending.continuation.resume(throwing: SequencerError.storageFailure) }
            return
        }
        writingNonces = Set(block.entries.map { $0.transaction.nonceKey })
        writing = Task { [self, store, published, logger] in
            do {
                try await store.append(block)
            } catch {
                logger.error("block write failed; the batch was not committed", metadata: ["error": "\(error)", "batch": "\(admitted.count)"])
                // Before anyone hears of the failure (and may resubmit), make the next batch reload.
                // (The task runs on this actor, so this takes effect at once.)
                self.stale = true
                for (pending, _) in admitted { pending.continuation.resume(throwing: SequencerError.storageFailure) }
                return false
            }
            published.set(block.checkpoint)
            logger.debug("sealed block", metadata: ["size": "\(block.checkpoint.checkpoint.size)", "entries": "\(block.entries.count)"])
            for (pending, admission) in admitted {
                pending.continuation.resume(returning: Receipt(
                    index: admission.index, leafHash: pending.transaction.leafHash, checkpoint: block.checkpoint,
                    contract: admission.contract
                ))
            }
            return true
        }
    }

    /// Rebuilds the head and the contract state from the store after a lost block.
    private func reload() async throws {
        if let previous = writing {
            _ = await previous.value
            writing = nil
            writingNonces = []
        }
        head = try await store.head()
        contracts = try await store.contractState()
        stale = false
    }
}

/// Submissions the sequencer could not write.
public enum SequencerError: Error, Sendable, CustomStringConvertible {
    case storageFailure

    public var description: String { "The ledger could not be written; nothing was recorded. Try again." }
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
