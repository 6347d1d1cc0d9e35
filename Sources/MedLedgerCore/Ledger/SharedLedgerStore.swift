/// A ``LedgerStore`` several nodes share (PostgreSQL): one of them sequences at a time, under a
/// lease kept in the store, and the others follow what it appends.
///
/// The lease is what keeps two sequencers from ever appending to one log. A node that holds it
/// has its ``LedgerStore/append(_:)`` fenced by the lease's epoch inside the block's own commit
/// transaction: once another node has taken the lease (a higher epoch), every append of the
/// deposed holder fails with ``LedgerStoreError/fenced`` and nothing of its block is written,
/// however long it was paused and whatever its clock says. Lease times are the store's clock,
/// never a node's.
public protocol SharedLedgerStore: LedgerStore {
    /// Takes the lease for `holder` when it is free or expired, or renews it when `holder` already
    /// has it, for `ttlMillis` from now by the store's clock; `endpoint` is where the other nodes
    /// forward writes while `holder` sequences. Returns the lease as it stands afterwards, whoever
    /// holds it. A store keeps the epoch it was granted and fences ``LedgerStore/append(_:)``
    /// with it; when the answer names another holder, appends fail from then on.
    func claimLease(holder: String, endpoint: String, ttlMillis: Int64) async throws -> SequencerLease
    /// Gives the lease up at once (graceful shutdown), so another node need not wait for it to expire.
    func releaseLease(holder: String) async throws
    /// The lease as it stands, or nil when no node ever held one.
    func currentLease() async throws -> SequencerLease?
    /// What blocks after tree size `size` changed: the head as of the newest block and every state
    /// object those blocks changed, as it is now, read in one snapshot. A following node applies
    /// them to its copy of the contract state.
    func changes(after size: UInt64) async throws -> LedgerChanges
}

/// Who sequences a shared ledger.
public struct SequencerLease: Sendable, Equatable {
    /// The node holding (or that last held) the lease.
    public let holder: String
    /// Where that node takes forwarded submissions (its internal URL).
    public let endpoint: String
    /// Raised by one at every change of holder; appends are fenced by it.
    public let epoch: UInt64
    /// Whether the lease was still running when read (by the store's clock).
    public let live: Bool

    public init(holder: String, endpoint: String, epoch: UInt64, live: Bool) {
        self.holder = holder
        self.endpoint = endpoint
        self.epoch = epoch
        self.live = live
    }

    /// True when `node` holds a running lease.
    public func isHeld(by node: String) -> Bool { live && holder == node }
}

/// See ``SharedLedgerStore/changes(after:)``.
public struct LedgerChanges: Sendable {
    public let head: LedgerHead
    /// The state objects the blocks changed, as they are after the newest block.
    public let objects: [StateObject]

    public init(head: LedgerHead, objects: [StateObject]) {
        self.head = head
        self.objects = objects
    }
}
