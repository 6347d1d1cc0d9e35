import MedLedgerCore
import Synchronization

/// The lease grant a ``PostgresLedgerStore`` fences its appends with: the holder and epoch its last
/// ``PostgresLedgerStore/claimLease(holder:endpoint:ttlMillis:)`` was granted, or nothing.
///
/// A class behind a `Mutex` so every copy of the store (a struct handed to many tasks) sees the
/// same grant: a copy that claimed and a copy that appends must agree on the epoch.
final class SequencerFence: Sendable {
    /// What the store was last granted.
    struct Grant: Sendable, Equatable {
        let holder: String
        let epoch: Int64
    }

    private let grant = Mutex<Grant?>(nil)

    /// The grant appends are checked against, or nil when the store holds no lease.
    var current: Grant? { grant.withLock { $0 } }

    /// Records the answer of a claim: the grant when `holder` has the lease, nothing otherwise.
    func record(_ lease: SequencerLease, claimedBy holder: String) {
        grant.withLock { $0 = lease.isHeld(by: holder) ? Grant(holder: holder, epoch: Int64(lease.epoch)) : nil }
    }

    /// Forgets the grant (after the lease was released).
    func clear() {
        grant.withLock { $0 = nil }
    }
}
