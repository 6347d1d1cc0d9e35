import Logging
import MedLedgerCore

/// The sequencer on a shared store: taking and losing the lease, following the blocks other nodes
/// write, and handing submissions to the node that sequences.
extension Sequencer {
    /// This node holds the lease now: it sequences, starting from the store's head and state (it
    /// reloads both before sealing its first block, since another node may have written last).
    func lead() {
        guard role != .sequencing else { return }
        role = .sequencing
        stale = true
        logger.notice("sequencing the shared ledger")
    }

    /// Another node holds the lease (or none does): hand submissions on. What is queued here is
    /// still sealed, and its append fails the fencing check, so those callers are told nothing was
    /// recorded.
    func follow(endpoint: String?) {
        if role == .sequencing {
            logger.notice("no longer sequencing the shared ledger", metadata: ["sequencer": "\(endpoint ?? "none")"])
            // Blocks sealed here may never be written: the next catch-up starts again from the store.
            stale = true
        }
        role = .following(endpoint: endpoint)
    }

    /// Whether this node sequences now, and where submissions go otherwise.
    var currentRole: SequencerRole { role }

    /// Brings a following node's head and state up to the store's: applies the objects the newer
    /// blocks changed. A sequencing node's state is its own and is left alone.
    ///
    /// After this node lost a block (a failed write, or blocks sealed while it still sequenced) its
    /// head and state may hold changes the store never took, and the store's blocks at those sizes
    /// are someone else's: it then replaces both with one snapshot of the store's.
    func catchUp(toAtLeast size: UInt64 = .max) async throws {
        guard case .following = role, let store = store as? any SharedLedgerStore else { return }
        if stale { return try await replaceWithStore(store) }
        let known = head.frontier.size
        // Under load many handed-on receipts share a block: one catch-up serves them all.
        guard known < size else { return }
        let changes = try await store.changes(after: known)
        // Another catch-up may have applied a newer snapshot meanwhile, or the node may lead now.
        guard case .following = role, changes.head.frontier.size > head.frontier.size else { return }
        contracts.follow(changes.objects)
        head = changes.head
        if let checkpoint = changes.head.checkpoint { published.set(checkpoint) }
    }

    /// Takes the store's head and whole state, read in one snapshot (a following node cannot read
    /// them apart: the sequencing node may write in between).
    private func replaceWithStore(_ store: any SharedLedgerStore) async throws {
        let snapshot = try await store.changes(after: 0)
        // Another catch-up may have replaced the state meanwhile with a newer snapshot.
        guard case .following = role, stale || snapshot.head.frontier.size > head.frontier.size else { return }
        contracts = ContractState(objects: snapshot.objects)
        head = snapshot.head
        stale = false
        if let checkpoint = snapshot.head.checkpoint, checkpoint.checkpoint.size > published.checkpoint?.checkpoint.size ?? 0 {
            published.set(checkpoint)
        }
        logger.notice("took the shared store's state again after a lost block", metadata: ["size": "\(snapshot.head.frontier.size)"])
    }

    /// Hands a submission to the sequencing node, waiting (up to ``forwardPatience``) while none is
    /// known or reachable. Retries only when the submission surely was not sequenced (the node
    /// could not be reached, or it no longer sequences); once sent, its outcome is the answer.
    func forward(_ transaction: VerifiedTransaction) async throws -> Receipt {
        guard let forwarder else { throw SequencerError.noSequencer }
        let deadline = clock() + forwardPatience
        while true {
            switch role {
            case .standalone, .sequencing:
                return try await enqueue(transaction)
            case .following(let endpoint):
                if let endpoint {
                    do {
                        let receipt = try await forwarder.forward(transaction.entry, to: endpoint)
                        // Read your own writes: the pages this node renders next show the entry.
                        try? await catchUp(toAtLeast: receipt.checkpoint.checkpoint.size)
                        return receipt
                    } catch let error as ForwardingError where error.notSequenced {
                        logger.debug("sequencer not reachable; waiting", metadata: ["error": "\(error)"])
                    } catch let error as ForwardingError {
                        logger.warning("a handed-on submission got no answer", metadata: ["sequencer": "\(endpoint)", "error": "\(error)"])
                        throw error
                    }
                }
            }
            guard clock() < deadline, !closed else { throw SequencerError.noSequencer }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}
