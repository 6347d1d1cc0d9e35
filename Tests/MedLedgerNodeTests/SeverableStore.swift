import MedLedgerCore
import MedLedgerStorage
import Synchronization

/// A node's connection to a shared PostgreSQL ledger that the test can cut: while cut, every write
/// (appends and lease claims) fails as if the database had gone away mid-request, while reads still
/// answer, so a sequencer seals blocks it can never write and loses its lease.
final class SeverableStore: SharedLedgerStore, Sendable {
    let inner: PostgresLedgerStore
    private let cut = Mutex(false)

    init(inner: PostgresLedgerStore) { self.inner = inner }

    func sever() { cut.withLock { $0 = true } }
    func heal() { cut.withLock { $0 = false } }

    private func checkConnected() throws {
        if cut.withLock({ $0 }) { throw LedgerStoreError.corrupt("the connection to the database was cut") }
    }

    func append(_ block: SealedBlock) async throws {
        try checkConnected()
        try await inner.append(block)
    }
    func claimLease(holder: String, endpoint: String, ttlMillis: Int64) async throws -> SequencerLease {
        try checkConnected()
        return try await inner.claimLease(holder: holder, endpoint: endpoint, ttlMillis: ttlMillis)
    }
    func releaseLease(holder: String) async throws {
        try checkConnected()
        try await inner.releaseLease(holder: holder)
    }
    func currentLease() async throws -> SequencerLease? { try await inner.currentLease() }
    func changes(after size: UInt64) async throws -> LedgerChanges { try await inner.changes(after: size) }
    func head() async throws -> LedgerHead { try await inner.head() }
    func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> { try await inner.existingNonces(keys) }
    func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] { try await inner.hashes(ids) }
    func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] { try await inner.entries(range) }
    func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] {
        try await inner.checkpoints(after: size, limit: limit)
    }
    func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? { try await inner.checkpoint(covering: size) }
    func firstReplayedEntry() async throws -> UInt64? { try await inner.firstReplayedEntry() }
    func contractState() async throws -> ContractState { try await inner.contractState() }
    func events(entries range: Range<UInt64>) async throws -> [AuditEvent] { try await inner.events(entries: range) }
    func events(_ query: AuditQuery) async throws -> [AuditEvent] { try await inner.events(query) }
    func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? { try await inner.firstAuditIndexFault() }
}
