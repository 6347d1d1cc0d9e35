import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerNode

@Suite("node as a service: write loop, shutdown drain, explorer cache")
struct NodeServiceTests {
    /// A node on a counting store with its genesis entry, plus what tests sign with.
    static func node(maxBatch: Int = 4096) async throws -> (node: LedgerNode, store: FlakyStore, clock: TestClock) {
        let store = FlakyStore(inner: SQLiteLedgerStore(database: try LedgerDatabase.inMemory()))
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        let clock = TestClock()
        let node = try await LedgerNode.open(store: store, signingKey: key, maxBatch: maxBatch, clock: clock.read)
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        _ = try await node.submit(try admin.sign(
            GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: node.service.payloadKey),
            expires: clock.now + 60_000))
        return (node, store, clock)
    }

    static func pings(_ node: LedgerNode, _ clock: TestClock, count: Int) throws -> [[UInt8]] {
        try (0..<count).map { _ in try node.service.sign(PingBody(), expires: clock.now + 60_000) }
    }

    @Test("a running node writes concurrent submissions in few blocks; after shutdown every queued one is durable and new ones are refused")
    func shutdownDrainsQueuedWrites() async throws {
        let (node, store, clock) = try await Self.node(maxBatch: 16)
        let envelopes = try Self.pings(node, clock, count: 300)
        let receipts = try await node.whileRunning {
            try await withThrowingTaskGroup(of: Receipt.self) { group in
                for envelope in envelopes { group.addTask { try await node.submit(envelope) } }
                var all: [Receipt] = []
                for try await receipt in group { all.append(receipt) }
                return all
            }
        }
        #expect(receipts.map(\.index).sorted() == Array(1...300))
        #expect(node.size == 301)
        #expect(try await store.inner.head().checkpoint?.checkpoint.size == 301)
        await #expect(throws: SequencerError.stopped) { try await node.submit(try node.service.sign(PingBody(), expires: clock.now + 60_000)) }
        #expect(node.size == 301)
    }

    @Test("submissions still queued when shutdown begins are written before run returns, none is lost or answered with an error")
    func shutdownWhileQueued() async throws {
        let (node, store, clock) = try await Self.node(maxBatch: 4)
        let envelopes = try Self.pings(node, clock, count: 64)
        let running = Task { try await node.run() }
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for envelope in envelopes { group.addTask { (try? await node.submit(envelope)) != nil } }
            // Shut down while most of them wait in the queue (batches of four).
            await Task.yield()
            await node.shutdown()
            var results: [Bool] = []
            for await ok in group { results.append(ok) }
            return results
        }
        try await running.value
        let accepted = outcomes.filter { $0 }.count
        // Whatever was queued before the shutdown was written; whatever came after was refused,
        // and every answer matches the ledger.
        #expect(accepted >= 1)
        #expect(node.size == UInt64(1 + accepted))
        #expect(try await store.inner.head().checkpoint?.checkpoint.size == UInt64(1 + accepted))
    }

    @Test("without a running service each submission is written by its caller; the service then starts and stops cleanly")
    func onDemandThenService() async throws {
        let (node, _, clock) = try await Self.node()
        for envelope in try Self.pings(node, clock, count: 3) { _ = try await node.submit(envelope) }
        #expect(node.size == 4)
        let receipt = try await node.whileRunning { try await node.submit(try node.service.sign(PingBody(), expires: clock.now + 60_000)) }
        #expect(receipt.index == 4)
    }

    @Test("the explorer reads the store once per tree size: a view at the same size reads nothing, a new block gives a fresh view")
    func explorerCachePerSize() async throws {
        let (node, store, clock) = try await Self.node()
        for envelope in try Self.pings(node, clock, count: 30) { _ = try await node.submit(envelope) }
        let before = store.reads
        let first = try #require(try await node.explorerView())
        let afterFirst = store.reads
        #expect(afterFirst > before)
        #expect(first.size == 31)
        #expect(first.rows.count == Int(ExplorerView.entryCount))
        #expect(first.rows.first?.entry.index == 30)
        #expect(first.rows.last?.entry.index == 6)
        #expect(first.blocks.first?.size == 31)
        #expect(first.blocks.first?.root == first.checkpoint.checkpoint.root)

        for _ in 0..<100 { _ = try await node.explorerView() }
        #expect(store.reads == afterFirst, "views at an unchanged size read nothing from the store")

        _ = try await node.submit(try node.service.sign(PingBody(), expires: clock.now + 60_000))
        let fresh = try #require(try await node.explorerView())
        #expect(store.reads > afterFirst)
        #expect(fresh.size == 32)
        #expect(fresh.rows.first?.entry.index == 31)
        #expect(fresh.blocks.first?.size == 32)
    }

    @Test("an entry is looked up with its audit event; one beyond the published tree is not found")
    func entryLookup() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let receipt = try await ledger.submit(RegisterPatient(), by: patient)
        let found = try #require(try await ledger.node.entry(at: receipt.index))
        #expect(found.entry.type == RegisterPatient.transactionType)
        #expect(found.leafHash == receipt.leafHash)
        #expect(found.event?.actor == patient.address)
        #expect(try await ledger.node.entry(at: receipt.index + 1) == nil)
        #expect(try await ledger.node.leafHash(at: receipt.index) == receipt.leafHash)
    }
}
