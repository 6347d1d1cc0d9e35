import Logging
import MedLedgerCore
import Synchronization

/// Keeps a node's place in a shared ledger: every tick it claims or renews the sequencer lease in
/// the store and sets the sequencer's role from the answer; while following it catches up with
/// the blocks the sequencing node wrote. Runs inside ``LedgerNode/run()`` for as long as the
/// node's write loop does, and gives the lease up when the node has drained.
///
/// Takeover: a sequencer that dies stops renewing, its lease runs out by the store's clock, and
/// the first node to claim after that gets it with a higher epoch, at most one lease term plus one
/// tick later. Its appends are fenced by that epoch, so the old holder cannot append again even if
/// it wakes up believing it still sequences; its first failed append or its next tick demotes it.
final class ClusterMembership: Sendable {
    let store: any SharedLedgerStore
    let configuration: ClusterConfiguration
    let logger: Logger
    private let lastLease = Mutex<SequencerLease?>(nil)

    init(store: any SharedLedgerStore, configuration: ClusterConfiguration, logger: Logger) {
        self.store = store
        self.configuration = configuration
        self.logger = logger
    }

    /// The lease as last seen.
    var lease: SequencerLease? { lastLease.withLock { $0 } }

    /// Claims and follows until cancelled.
    func run(_ sequencer: Sequencer) async {
        var failing = false
        while !Task.isCancelled {
            do {
                try await tick(sequencer)
                if failing { logger.notice("the shared store answers again") }
                failing = false
            } catch is CancellationError {
                return
            } catch {
                if !failing { logger.error("cannot reach the shared store", metadata: ["error": "\(error)"]) }
                failing = true
            }
            try? await Task.sleep(for: .milliseconds(configuration.tickMillis))
        }
    }

    /// One claim or renewal, and what follows from it.
    func tick(_ sequencer: Sequencer) async throws {
        let lease = try await store.claimLease(
            holder: configuration.node, endpoint: configuration.endpoint, ttlMillis: configuration.leaseMillis)
        lastLease.withLock { $0 = lease }
        if lease.isHeld(by: configuration.node) {
            await sequencer.lead()
        } else {
            await sequencer.follow(endpoint: lease.live ? lease.endpoint : nil)
            try await sequencer.catchUp()
        }
    }

    /// Gives the lease up so another node takes over at once (after this node has drained).
    func release() async {
        do {
            try await store.releaseLease(holder: configuration.node)
        } catch {
            logger.warning("could not give the sequencer lease up; it runs out on its own", metadata: ["error": "\(error)"])
        }
    }
}
