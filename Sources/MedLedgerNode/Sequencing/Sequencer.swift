import Logging
import MedLedgerCore
import Synchronization

/// Orders verified transactions into blocks and writes them with group commit.
///
/// Exactly one sequencer writes a ledger. While a block is being written and synced, new
/// submissions queue; the next block takes them all (up to `maxBatch`). A caller is answered only
/// after its block is durable, so an index once returned is never lost.
public actor Sequencer {
    private let store: any LedgerStore
    private let builder: BlockBuilder
    private let clock: @Sendable () -> Int64
    private let maxBatch: Int
    private let logger: Logger
    private var head: LedgerHead
    /// The contract state after the latest durable block. Owned here alone, so blocks change it in place.
    private var contracts: ContractState
    /// Set when a failed write may have left `contracts` ahead of the store.
    private var contractsStale = false
    private var state = GroupCommitState<Pending>()
    /// The latest durable checkpoint, readable without waiting on the actor.
    nonisolated let published: PublishedHead

    private struct Pending {
        let transaction: VerifiedTransaction
        let continuation: CheckedContinuation<Receipt, any Error>
    }

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
            await write(batch)
        }
    }

    private func write(_ batch: [Pending]) async {
        let candidates = batch.map(\.transaction)
        do {
            if contractsStale {
                contracts = try await store.contractState()
                contractsStale = false
            }
            let existing = try await store.existingNonces(candidates.map(\.nonceKey))
            contractsStale = true
            let result = try builder.seal(after: head, state: &contracts, candidates: candidates, existingNonces: existing, time: clock())
            if let block = result.block {
                try await store.append(block)
                head = LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier)
                published.set(block.checkpoint)
                logger.debug("sealed block", metadata: ["size": "\(block.checkpoint.checkpoint.size)", "entries": "\(block.entries.count)"])
            }
            contractsStale = false
            for (pending, outcome) in zip(batch, result.outcomes) {
                switch outcome {
                case .success(let admission):
                    // Only reachable when a block was sealed.
                    pending.continuation.resume(returning: Receipt(
                        index: admission.index, leafHash: pending.transaction.leafHash, checkpoint: result.block!.checkpoint,
                        contract: admission.contract
                    ))
                case .failure(let error):
                    pending.continuation.resume(throwing: error)
                }
            }
        } catch {
            logger.error("block write failed; the batch was not committed", metadata: ["error": "\(error)", "batch": "\(batch.count)"])
            for pending in batch {
                pending.continuation.resume(throwing: SequencerError.storageFailure)
            }
        }
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
