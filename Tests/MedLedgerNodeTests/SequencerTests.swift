import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerNode

@Suite("sequencer")
struct SequencerTests {
    @Test("concurrent submissions get distinct consecutive indexes, each covered by its checkpoint")
    func concurrentSubmissions() async throws {
        let ledger = try await TestLedger.make()
        let envelopes = try (0..<200).map { _ in try ledger.ping() }
        let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
            for envelope in envelopes { group.addTask { try await ledger.node.submit(envelope) } }
            var all: [Receipt] = []
            for try await receipt in group { all.append(receipt) }
            return all
        }
        #expect(receipts.map(\.index).sorted() == Array(1...200))
        for receipt in receipts {
            let size = receipt.checkpoint.checkpoint.size
            #expect(receipt.index < size)
            let proof = try await ledger.node.inclusionProof(index: receipt.index, size: size)
            #expect(MerkleProofVerifier.verifyInclusion(
                leaf: receipt.leafHash, index: receipt.index, size: size, proof: proof, root: receipt.checkpoint.checkpoint.root))
        }
        // Group commit: far fewer blocks than entries were written under concurrency.
        let checkpoints = try await ledger.store.checkpoints(after: 0, limit: 1000)
        #expect(checkpoints.count < 201)
        #expect(checkpoints.last?.size == 201)
    }

    @Test("a replayed envelope is refused with replayed_nonce and the ledger does not grow")
    func replayRefused() async throws {
        let ledger = try await TestLedger.make()
        let envelope = try ledger.ping()
        _ = try await ledger.node.submit(envelope)
        await #expect(throws: EnvelopeError.replayed) { try await ledger.node.submit(envelope) }
        #expect(ledger.node.size == 2)
    }

    @Test("the same nonce twice in one batch admits exactly one")
    func replayWithinBatch() async throws {
        let ledger = try await TestLedger.make()
        let signer = ledger.node.service
        let first = try ledger.ping(from: signer, nonce: "same-nonce-0123456789")
        let second = try ledger.ping(from: signer, nonce: "same-nonce-0123456789")
        async let a = try? ledger.node.submit(first)
        async let b = try? ledger.node.submit(second)
        let results = await [a, b]
        #expect(results.compactMap { $0 }.count == 1)
        #expect(ledger.node.size == 2)
    }

    @Test("an envelope that expired is refused; one too far ahead too")
    func expiry() async throws {
        let ledger = try await TestLedger.make()
        let signer = ledger.node.service
        let stale = try signer.sign(PingBody(), expires: ledger.clock.now - 1)
        await #expect(throws: EnvelopeError.expired) { try await ledger.node.submit(stale) }
        let far = try signer.sign(PingBody(), expires: ledger.clock.now + 48 * 3600 * 1000)
        await #expect(throws: EnvelopeError.expiryTooFar(maxMillis: 24 * 3600 * 1000)) { try await ledger.node.submit(far) }
        #expect(ledger.node.size == 1)
    }

    @Test("nothing but a genesis entry is accepted on an empty ledger, and genesis only once")
    func genesisRules() async throws {
        let store = SQLiteLedgerStore(database: try LedgerDatabase.inMemory())
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        let clock = TestClock()
        let node = try await LedgerNode.open(store: store, signingKey: key, clock: clock.read)
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let ping = try admin.sign(PingBody(), expires: clock.now + 1000)
        await #expect(throws: EnvelopeError.self) { try await node.submit(ping) }
        #expect(node.size == 0)
        let wrongOrigin = try admin.sign(GenesisBody(origin: "other.log/x", admin: admin.payloadKey, adminName: "A", service: node.service.payloadKey), expires: clock.now + 1000)
        await #expect(throws: EnvelopeError.self) { try await node.submit(wrongOrigin) }
        let genesis = try admin.sign(GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: node.service.payloadKey), expires: clock.now + 1000)
        #expect(try await node.submit(genesis).index == 0)
        let again = try admin.sign(GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: node.service.payloadKey), expires: clock.now + 1000)
        await #expect(throws: EnvelopeError.self) { try await node.submit(again) }
        #expect(node.size == 1)
    }

    @Test("block time comes from the node's clock and never goes backwards")
    func blockTime() async throws {
        let clock = TestClock()
        let ledger = try await TestLedger.make(clock: clock)
        let first = try await ledger.node.submit(try ledger.ping())
        #expect(first.checkpoint.checkpoint.time == clock.now)
        clock.advance(millis: -5_000)
        let second = try await ledger.node.submit(try ledger.ping())
        #expect(second.checkpoint.checkpoint.time == first.checkpoint.checkpoint.time)
        #expect(second.checkpoint.checkpoint.previousHash == first.checkpoint.checkpoint.bodyHash)
    }

    @Test("a storage failure answers every waiting submitter with an error and loses nothing acknowledged")
    func storageFailure() async throws {
        let ledger = try await FlakyLedger.make()
        let (inner, flaky, key, clock, node) = (ledger.inner, ledger.flaky, ledger.key, ledger.clock, ledger.node)
        flaky.failNextAppend()
        let envelope = try node.service.sign(PingBody(), expires: clock.now + 1000)
        await #expect(throws: SequencerError.self) { try await node.submit(envelope) }
        #expect(node.size == 1)
        // The same envelope goes through once storage recovers: nothing of it was recorded before.
        #expect(try await node.submit(envelope).index == 1)
        let report = try await LedgerVerifier(store: inner, verifierKey: key.verifierKey).run()
        #expect(report.entries == 2)
    }

    @Test("a failed write under concurrent load drops the block sealed on top of it; every failed envelope goes through on retry")
    func storageFailureWhilePipelined() async throws {
        let ledger = try await FlakyLedger.make(maxBatch: 8)
        let (inner, flaky, key, clock, node) = (ledger.inner, ledger.flaky, ledger.key, ledger.clock, ledger.node)
        let patients = (0..<64).map { _ in EnvelopeSigner(key: P256.Signing.PrivateKey()) }
        let envelopes = try patients.map { try $0.sign(RegisterPatient(), expires: clock.now + 60_000) }
        flaky.failNextAppend()
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for (i, envelope) in envelopes.enumerated() {
                group.addTask { ((i, (try? await node.submit(envelope)) != nil)) }
            }
            var all: [Int: Bool] = [:]
            for await (i, ok) in group { all[i] = ok }
            return all
        }
        let failed = outcomes.filter { !$0.value }.map(\.key)
        #expect(!failed.isEmpty)
        for i in failed {
            let receipt = try await node.submit(envelopes[i])
            #expect(receipt.contract?.allowed == true)
        }
        #expect(node.size == 65)
        let state = try await inner.contractState()
        #expect(state.accounts.count == 65)
        let report = try await LedgerVerifier(store: inner, verifierKey: key.verifierKey).run()
        #expect(report.entries == 65)
        #expect(report.events == 65)
    }

    @Test("after a lost write a serving node stops showing what the lost block changed, without waiting for another submission")
    func lostWriteLeavesNoTrace() async throws {
        let ledger = try await FlakyLedger.make()
        let (flaky, clock, node, admin) = (ledger.flaky, ledger.clock, ledger.node, ledger.admin)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await node.run() }
            flaky.failNextAppend()
            let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
            await #expect(throws: SequencerError.self) {
                _ = try await node.submit(try patient.sign(RegisterPatient(), expires: clock.now + 60_000))
            }
            let deadline = ContinuousClock.now + .seconds(5)
            while await node.account(patient.address) != nil, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await node.account(patient.address) == nil)
            #expect(await node.account(admin.address)?.role == .admin)
            #expect(node.size == 1)
            await node.shutdown()
            try await group.waitForAll()
        }
    }

    @Test("a node refuses to open a ledger whose checkpoints another key signed")
    func foreignLedger() async throws {
        let ledger = try await TestLedger.make()
        let other = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        await #expect(throws: LedgerNodeError.self) {
            _ = try await LedgerNode.open(store: ledger.store, signingKey: other)
        }
    }

    @Test("consistency proofs between any two published sizes verify")
    func consistencyProofs() async throws {
        let ledger = try await TestLedger.make()
        let receipts = try await ledger.appendPings(20)
        let checkpoints = receipts.map(\.checkpoint.checkpoint)
        for old in checkpoints {
            for new in checkpoints where new.size >= old.size {
                let proof = try await ledger.node.consistencyProof(from: old.size, to: new.size)
                #expect(MerkleProofVerifier.verifyConsistency(oldSize: old.size, newSize: new.size, oldRoot: old.root, newRoot: new.root, proof: proof))
            }
        }
        await #expect(throws: LedgerNodeError.self) { _ = try await ledger.node.consistencyProof(from: 3, to: 99) }
    }
}

/// A node on an in-memory SQLite ledger behind a ``FlakyStore``, with its genesis entry written.
struct FlakyLedger {
    let inner: SQLiteLedgerStore
    let flaky: FlakyStore
    let key: NoteSigningKey
    let clock: TestClock
    let node: LedgerNode
    let admin: EnvelopeSigner

    static func make(maxBatch: Int? = nil) async throws -> FlakyLedger {
        let inner = SQLiteLedgerStore(database: try LedgerDatabase.inMemory())
        let flaky = FlakyStore(inner: inner)
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        let clock = TestClock()
        let node = if let maxBatch {
            try await LedgerNode.open(store: flaky, signingKey: key, maxBatch: maxBatch, clock: clock.read)
        } else {
            try await LedgerNode.open(store: flaky, signingKey: key, clock: clock.read)
        }
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let genesis = GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: node.service.payloadKey)
        _ = try await node.submit(try admin.sign(genesis, expires: clock.now + 60_000))
        return FlakyLedger(inner: inner, flaky: flaky, key: key, clock: clock, node: node, admin: admin)
    }
}

/// Wraps a store, fails one append on request and counts the reads of entries, events and
/// checkpoints (what the explorer reads).
final class FlakyStore: LedgerStore, Sendable {
    let inner: SQLiteLedgerStore
    private let failing = Mutex(false)
    private let readCount = Mutex(0)

    init(inner: SQLiteLedgerStore) { self.inner = inner }

    func failNextAppend() { failing.withLock { $0 = true } }

    /// Reads of entries, events by entry range and checkpoints so far.
    var reads: Int { readCount.withLock { $0 } }

    private func counted() { readCount.withLock { $0 += 1 } }

    func head() async throws -> LedgerHead { try await inner.head() }
    func existingNonces(_ keys: [NonceKey]) async throws -> Set<NonceKey> { try await inner.existingNonces(keys) }
    func append(_ block: SealedBlock) async throws {
        let fail = failing.withLock { value in
            defer { value = false }
            return value
        }
        if fail { throw LedgerStoreError.corrupt("injected failure") }
        try await inner.append(block)
    }
    func hashes(_ ids: [TreeNodeID]) async throws -> [TreeHash] { try await inner.hashes(ids) }
    func entries(_ range: Range<UInt64>) async throws -> [StoredEntry] {
        counted()
        return try await inner.entries(range)
    }
    func checkpoints(after size: UInt64, limit: Int) async throws -> [StoredCheckpoint] {
        counted()
        return try await inner.checkpoints(after: size, limit: limit)
    }
    func checkpoint(covering size: UInt64) async throws -> StoredCheckpoint? { try await inner.checkpoint(covering: size) }
    func firstReplayedEntry() async throws -> UInt64? { try await inner.firstReplayedEntry() }
    func contractState() async throws -> ContractState { try await inner.contractState() }
    func events(entries range: Range<UInt64>) async throws -> [AuditEvent] {
        counted()
        return try await inner.events(entries: range)
    }
    func events(_ query: AuditQuery) async throws -> [AuditEvent] { try await inner.events(query) }
    func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? { try await inner.firstAuditIndexFault() }
}

import Synchronization
