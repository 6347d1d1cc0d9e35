import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Synchronization
import Testing

@testable import MedLedgerNode

@Suite("contract effects: carried out by the node once the entry is durable")
struct ContractEffectTests {
    @Test("a confirmed erasure's outcome names the content to destroy, and the key goes only after the entry is on the ledger")
    func erasureDestroysKeyAfterEntryIsDurable() async throws {
        let clock = TestClock()
        let database = try LedgerDatabase.inMemory()
        let ledgerStore = SQLiteLedgerStore(database: database)
        let probe = DurabilityProbe(inner: InMemoryBlobStore(clock: clock.read), ledger: ledgerStore)
        let ledger = try await TestLedger.make(database: database, clock: clock, blobs: nil)
        // The same ledger served with the probing content store.
        let node = try await LedgerNode.open(store: ledgerStore, signingKey: ledger.signingKey, blobs: probe, clock: clock.read)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        _ = try await node.submit(try patient.sign(RegisterPatient(), expires: clock.now + 60_000))
        let note = try await probe.inner.put(Array("diagnosis".utf8), owner: patient.address, uploader: patient.address)
        _ = try await node.submit(try patient.sign(AddDocument(id: "doc-1", category: .reports, content: note), expires: clock.now + 60_000))
        _ = try await node.submit(try patient.sign(RequestErasure(patient: patient.address), expires: clock.now + 60_000))
        #expect(probe.destroyedAt.isEmpty)

        let receipt = try await node.submit(try ledger.admin.sign(ConfirmErasure(patient: patient.address), expires: clock.now + 60_000))
        #expect(receipt.contract?.effects == [.destroyContent(of: patient.address)])
        // When the key was destroyed, the ledger already held the confirmation.
        #expect(probe.destroyedAt == [receipt.index + 1])
        await #expect(throws: BlobStoreError.erased) { try probe.inner.open(note, owner: patient.address) }
        #expect(probe.inner.inventory().isEmpty)
    }

    @Test("a denied erasure confirmation carries no effect and destroys nothing")
    func deniedConfirmationHasNoEffect() async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        let note = try await store.put(Array("diagnosis".utf8), owner: patient.address, uploader: patient.address)
        // No erasure was requested: the confirmation is refused.
        let receipt = try await ledger.submit(ConfirmErasure(patient: patient.address), by: ledger.admin)
        #expect(receipt.contract?.allowed == false)
        #expect(receipt.contract?.effects == [])
        #expect(try await store.get(note, owner: patient.address) == Array("diagnosis".utf8))
    }

    @Test("a stop between the durable entry and the effect is completed at the next start by enforceErasures")
    func interruptedEffectCompletesAtStart() async throws {
        let clock = TestClock()
        let store = InMemoryBlobStore(clock: clock.read)
        let ledger = try await TestLedger.make(clock: clock, blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        let note = try await store.put(Array("diagnosis".utf8), owner: patient.address, uploader: patient.address)
        try await ledger.submit(AddDocument(id: "doc-1", category: .reports, content: note), by: patient)
        try await ledger.submit(RequestErasure(patient: patient.address), by: patient)
        // The entry becomes durable through a node that cannot carry the effect out, as if the
        // process stopped right after the commit.
        let stopped = ledger.node.withoutContent()
        let receipt = try await stopped.submit(try ledger.admin.sign(ConfirmErasure(patient: patient.address), expires: clock.now + 60_000))
        #expect(receipt.contract?.effects == [.destroyContent(of: patient.address)])
        #expect(try await store.get(note, owner: patient.address) == Array("diagnosis".utf8))

        // The next start (a node reopened on the same ledger) finishes it.
        let restarted = try await LedgerNode.open(store: ledger.store, signingKey: ledger.signingKey, blobs: store, clock: clock.read)
        try await restarted.enforceErasures()
        await #expect(throws: BlobStoreError.erased) { try store.open(note, owner: patient.address) }
    }
}

/// A content store that records the ledger's size each time a key is destroyed.
final class DurabilityProbe: BlobStore {
    let inner: InMemoryBlobStore
    let ledger: SQLiteLedgerStore
    private let sizes = Mutex<[UInt64]>([])

    init(inner: InMemoryBlobStore, ledger: SQLiteLedgerStore) {
        self.inner = inner
        self.ledger = ledger
    }

    /// The durable ledger size at each key destruction.
    var destroyedAt: [UInt64] { sizes.withLock { $0 } }

    var maxObjectSize: Int64 { inner.maxObjectSize }
    func makeWriter(owner: AccountAddress, metadata: BlobMetadata) async throws -> any BlobWriter {
        try inner.makeWriter(owner: owner, metadata: metadata)
    }
    func open(_ cid: String, owner: AccountAddress) async throws -> any BlobReader { try inner.open(cid, owner: owner) }
    func check(_ cid: String) async throws -> StoredObject { try inner.check(cid) }
    func provenance(_ cid: String) async throws -> ContentProvenance { try inner.provenance(cid) }
    func contains(_ cid: String) async throws -> Bool { try inner.contains(cid) }
    func inventory() async throws -> [StoredObject] { inner.inventory() }
    func remove(_ cid: String) async throws { inner.remove(cid) }
    func destroyKey(of owner: AccountAddress) async throws {
        let size = try await ledger.head().checkpoint?.checkpoint.size ?? 0
        sizes.withLock { $0.append(size) }
        inner.destroyKey(of: owner)
    }
}
