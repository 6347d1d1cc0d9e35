import Crypto
import Foundation
import Logging
@testable import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Synchronization
import Testing

@testable import MedLedgerStorage

/// What only the shared store does: the sequencer lease, fencing, following changes, and copying
/// an embedded ledger in.
@Suite("PostgreSQL ledger store")
struct PostgresLedgerStoreTests {
    static let logger = Logger(label: "medledger.tests.postgres-store")

    func withDatabase<T: Sendable>(_ body: (PostgresDatabase) async throws -> T) async throws -> T {
        try await PostgresDatabase.with(try await TestPostgres.shared.freshDatabase(), logger: Self.logger, body)
    }

    /// A one-ping block sealed after the store's head, signed by the ledger's node key.
    func pingBlock(_ ledger: StoreLedger, on store: any LedgerStore) async throws -> SealedBlock {
        let transaction = try ledger.node.verify(try ledger.node.service.sign(PingBody(), expires: ledger.clock.now + 60_000))
        var state = try await store.contractState()
        let builder = BlockBuilder(origin: TestLedger.origin, signingKey: ledger.signingKey)
        return try #require(
            try builder.seal(after: try await store.head(), state: &state, candidates: [transaction], existingNonces: [], time: ledger.clock.now).block)
    }

    @Test("once another node took the expired lease, the old holder's appends are fenced, write nothing, and it cannot renew")
    func fencing() async throws {
        try await withDatabase { database in
            let a = PostgresLedgerStore(database: database)
            let b = PostgresLedgerStore(database: database)
            #expect(try await a.currentLease() == nil)
            let granted = try await a.claimLease(holder: "node-a", endpoint: "http://a.internal", ttlMillis: 1_000)
            #expect(granted == SequencerLease(holder: "node-a", endpoint: "http://a.internal", epoch: 1, live: true))
            let ledger = try await StoreLedger.make(store: a, credentials: PostgresCredentialStore(database: database))
            try await ledger.appendPings(3)

            // While A's lease runs, B is told who sequences and may not append.
            _ = try await a.claimLease(holder: "node-a", endpoint: "http://a.internal", ttlMillis: 1_000)
            let refused = try await b.claimLease(holder: "node-b", endpoint: "http://b.internal", ttlMillis: 60_000)
            #expect(refused == SequencerLease(holder: "node-a", endpoint: "http://a.internal", epoch: 1, live: true))
            let early = try await pingBlock(ledger, on: a)
            await #expect(throws: LedgerStoreError.fenced) { try await b.append(early) }

            try await Task.sleep(for: .milliseconds(1_200))
            let taken = try await b.claimLease(holder: "node-b", endpoint: "http://b.internal", ttlMillis: 60_000)
            #expect(taken == SequencerLease(holder: "node-b", endpoint: "http://b.internal", epoch: 2, live: true))

            let before = try await a.head()
            let late = try await pingBlock(ledger, on: a)
            await #expect(throws: LedgerStoreError.fenced) { try await a.append(late) }
            await #expect(throws: (any Error).self) { try await ledger.appendPings(1) }
            #expect(try await a.head().frontier == before.frontier)
            #expect(try await a.entries(0..<100).count == Int(before.frontier.size))
            #expect(try await a.checkpoints(after: before.frontier.size, limit: 10).isEmpty)

            let renewal = try await a.claimLease(holder: "node-a", endpoint: "http://a.internal", ttlMillis: 60_000)
            #expect(renewal == taken)
            await #expect(throws: LedgerStoreError.fenced) { try await a.append(late) }
            // The new holder appends the very block the old one could not.
            try await b.append(late)
            #expect(try await b.head().frontier.size == before.frontier.size + 1)
        }
    }

    @Test("renewing keeps the epoch, even after the lease ran out while nobody took it")
    func renewalKeepsEpoch() async throws {
        try await withDatabase { database in
            let a = PostgresLedgerStore(database: database)
            #expect(try await a.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 200).epoch == 1)
            #expect(try await a.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 200).epoch == 1)
            try await Task.sleep(for: .milliseconds(400))
            #expect(try await a.currentLease()?.live == false)
            let renewed = try await a.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 60_000)
            #expect(renewed == SequencerLease(holder: "node-a", endpoint: "e", epoch: 1, live: true))
            let ledger = try await StoreLedger.make(store: a, credentials: PostgresCredentialStore(database: database))
            try await ledger.appendPings(2)
            #expect(try await a.head().frontier.size == 3)
        }
    }

    @Test("a released lease can be taken at once by another node, and the releaser is fenced")
    func releaseHandsOver() async throws {
        try await withDatabase { database in
            let a = PostgresLedgerStore(database: database)
            let b = PostgresLedgerStore(database: database)
            _ = try await a.claimLease(holder: "node-a", endpoint: "http://a.internal", ttlMillis: 600_000)
            let ledger = try await StoreLedger.make(store: a, credentials: PostgresCredentialStore(database: database))
            try await a.releaseLease(holder: "node-a")
            #expect(try await a.currentLease()?.live == false)
            let taken = try await b.claimLease(holder: "node-b", endpoint: "http://b.internal", ttlMillis: 600_000)
            #expect(taken == SequencerLease(holder: "node-b", endpoint: "http://b.internal", epoch: 2, live: true))
            #expect(try await a.currentLease() == taken)
            let block = try await pingBlock(ledger, on: a)
            await #expect(throws: LedgerStoreError.fenced) { try await a.append(block) }
            // Releasing a lease one does not hold changes nothing.
            try await a.releaseLease(holder: "node-a")
            #expect(try await b.currentLease() == taken)
        }
    }

    @Test("changes after a size are exactly the objects later blocks changed, and bring a follower's state up to date")
    func changesAfterSize() async throws {
        try await withDatabase { database in
            let store = PostgresLedgerStore(database: database)
            _ = try await store.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 600_000)
            let recording = RecordingStore(inner: store)
            let ledger = try await StoreLedger.make(store: recording, credentials: PostgresCredentialStore(database: database), maxBatch: 3)
            let alice = EnvelopeSigner(key: P256.Signing.PrivateKey())
            try await ledger.submit(RegisterPatient(), by: alice)
            let mark = try await store.head().frontier.size
            var follower = try await store.contractState()
            let nothing = try await store.changes(after: mark)
            #expect(nothing.objects.isEmpty)
            #expect(nothing.head.frontier.size == mark)

            try await ledger.populate()
            try await ledger.appendPings(4)
            let changes = try await store.changes(after: mark)
            let head = try await store.head()
            #expect(changes.head.frontier == head.frontier)
            #expect(changes.head.checkpoint == head.checkpoint)
            let expected = Set(
                recording.blocks.all.filter { $0.checkpoint.checkpoint.size > mark }.flatMap { $0.documents.map(\.key) })
            #expect(!expected.isEmpty)
            #expect(Set(changes.objects.map(\.key)) == expected)
            #expect(changes.objects.count == expected.count)
            follower.follow(changes.objects)
            #expect(follower == (try await store.contractState()))
            #expect(try await store.changes(after: head.frontier.size).objects.isEmpty)
        }
    }

    @Test("a node on the PostgreSQL store sequences, and a node reopened on it resumes at the same head")
    func nodeReopens() async throws {
        try await withDatabase { database in
            let store = PostgresLedgerStore(database: database)
            _ = try await store.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 600_000)
            let ledger = try await StoreLedger.make(store: store, credentials: PostgresCredentialStore(database: database), maxBatch: 16)
            try await ledger.populate()
            try await ledger.appendPings(600)
            let head = try await store.head()
            // Another store instance on the same database, as a node restarting would open.
            let again = PostgresLedgerStore(database: database)
            _ = try await again.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 600_000)
            let reopened = try await LedgerNode.open(store: again, signingKey: ledger.signingKey, clock: ledger.clock.read)
            #expect(reopened.checkpoint == head.checkpoint)
            let proof = try await reopened.inclusionProof(index: 300, size: head.frontier.size)
            let entry = try #require(try await again.entries(300..<301).first)
            #expect(MerkleProofVerifier.verifyInclusion(
                leaf: .leaf(entry.entry), index: 300, size: head.frontier.size, proof: proof, root: head.frontier.root))
            let receipt = try await reopened.ping()
            #expect(receipt.index == head.frontier.size)
            let report = try await LedgerVerifier(store: again, verifierKey: ledger.signingKey.verifierKey).run()
            #expect(report.entries == head.frontier.size + 1)
        }
    }

    @Test("a ledger made on SQLite is copied into an empty PostgreSQL database and verifies there with the same latest checkpoint")
    func transfer() async throws {
        let source = try LedgerDatabase.inMemory()
        let ledger = try await StoreLedger.make(
            store: SQLiteLedgerStore(database: source, auditIndexBatch: 5), credentials: SQLiteCredentialStore(database: source), maxBatch: 9)
        try await ledger.populate()
        try await ledger.appendPings(700)
        let credential = LedgerStoreConformanceTests.credential("Alice", createdAt: 5)
        try await ledger.credentials.insert(credential)
        let sourceHead = try await ledger.store.head()

        try await withDatabase { database in
            let stages = StageLog()
            let report = try await LedgerTransfer.copy(from: source, to: database, batchSize: 100) { stages.add($0) }
            #expect(report.entries == Int(sourceHead.frontier.size))
            #expect(report.size == sourceHead.frontier.size)
            #expect(report.checkpointNote == sourceHead.checkpoint?.note.serialized)
            #expect(report.credentials == 1)
            #expect(report.treeHashes >= report.entries)
            #expect(stages.last(.entries) == TransferProgress(stage: .entries, done: report.entries, total: report.entries))
            #expect(stages.last(.treeHashes)?.done == stages.last(.treeHashes)?.total)

            let store = PostgresLedgerStore(database: database)
            let copied = try await store.head()
            #expect(copied.checkpoint == sourceHead.checkpoint)
            #expect(copied.frontier == sourceHead.frontier)
            let verified = try await LedgerVerifier(store: store, verifierKey: ledger.signingKey.verifierKey).run()
            #expect(verified.entries == sourceHead.frontier.size)
            #expect(verified.stateObjects == report.stateObjects)
            #expect(try await store.contractState() == (try await ledger.store.contractState()))
            #expect(try await store.events(AuditQuery(limit: AuditQuery.maxLimit)) == (try await ledger.store.events(AuditQuery(limit: AuditQuery.maxLimit))))
            #expect(try await PostgresCredentialStore(database: database).credential(username: "alice") == credential)
            #expect(try await store.changes(after: 0).objects.count == report.stateObjects)
            #expect(report.stateObjects > 0)

            await #expect(throws: LedgerTransferError.targetNotEmpty) { _ = try await LedgerTransfer.copy(from: source, to: database) }

            // The copy carries on: a node that takes the lease sequences after the copied head.
            _ = try await store.claimLease(holder: "node-a", endpoint: "e", ttlMillis: 600_000)
            let node = try await LedgerNode.open(store: store, signingKey: ledger.signingKey, clock: ledger.clock.read)
            #expect(try await node.ping().index == sourceHead.frontier.size)
        }
    }

    @Test(
        "timing: 100 blocks of 1,000 entries on SQLite (file, synchronous=FULL) and on PostgreSQL (synchronous_commit=on)",
        .enabled(if: ProcessInfo.processInfo.environment["MEDLEDGER_STORE_TIMING"] == "1"))
    func appendTiming() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-timing-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sqlite = SQLiteLedgerStore(database: try LedgerDatabase.open(path: directory.appendingPathComponent("ledger.sqlite").path))
        let sqliteSeconds = try await Self.timeAppends(to: sqlite)
        let postgresSeconds = try await withDatabase { database in
            let store = PostgresLedgerStore(database: database)
            _ = try await store.claimLease(holder: "timing", endpoint: "e", ttlMillis: 600_000)
            return try await Self.timeAppends(to: store)
        }
        print("append timing, 100 blocks x 1,000 entries: SQLite \(sqliteSeconds) s, PostgreSQL \(postgresSeconds) s")
    }

    static func timeAppends(to store: any LedgerStore) async throws -> Double {
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        let builder = BlockBuilder(origin: TestLedger.origin, signingKey: key)
        let admin = P256.Signing.PrivateKey().publicKey
        let service = P256.Signing.PrivateKey().publicKey
        var head = LedgerHead.empty
        var state = ContractState()
        var blocks: [SealedBlock] = []
        for start in stride(from: 0, to: 100_000, by: 1_000) {
            // Synthetic entries (the store only sees bytes): a genesis, then pings.
            let batch = (start..<(start + 1_000)).map { i in
                let entry = Array("timing entry \(i)".utf8)
                let body: any TransactionBody =
                    i == 0 ? GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: service.payloadKey) : PingBody()
                let signer = i == 0 ? admin : service
                return VerifiedTransaction(
                    entry: entry, leafHash: .leaf(entry), type: i == 0 ? GenesisBody.transactionType : PingBody.transactionType,
                    signerKey: signer, signer: signer.address, nonce: "timing-nonce-\(i)", expires: .max, body: body)
            }
            let block = try #require(try builder.seal(after: head, state: &state, candidates: batch, existingNonces: [], time: 1).block)
            head = LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier)
            blocks.append(block)
        }
        let clock = ContinuousClock()
        let start = clock.now
        for block in blocks { try await store.append(block) }
        let elapsed = clock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

typealias TransferProgress = LedgerTransfer.Progress

/// The progress reports of a transfer, in order.
final class StageLog: Sendable {
    private let reports = Mutex<[TransferProgress]>([])

    func add(_ progress: TransferProgress) { reports.withLock { $0.append(progress) } }

    func last(_ stage: TransferProgress.Stage) -> TransferProgress? { reports.withLock { $0.last { $0.stage == stage } } }
}

@Suite("PostgreSQL ledger store: tampered rows")
struct PostgresTamperTests {
    @Test("an audit event without its entry is an audit index fault, and a bad state document is reported as corrupt")
    func tamperedRowsAreReported() async throws {
        try await StoreLedger.with(.postgres) { ledger in
            try await ledger.populate()
            let store = try #require(ledger.store as? PostgresLedgerStore)
            #expect(try await store.firstAuditIndexFault() == nil)
            let size = try await store.head().frontier.size
            try await store.database.client.query(
                """
                INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, break_glass)
                SELECT \(Int64(size) + 5), time, action, status, outcome, message, actor, break_glass FROM audit_event ORDER BY idx LIMIT 1
                """, logger: PostgresLedgerStoreTests.logger)
            let fault = try #require(try await store.firstAuditIndexFault())
            #expect(fault.index == size + 5)
            try await store.database.client.query(
                "UPDATE state_object SET document = '\\x7b'::bytea WHERE kind = 'account' AND id IN (SELECT id FROM state_object WHERE kind = 'account' LIMIT 1)",
                logger: PostgresLedgerStoreTests.logger)
            await #expect(throws: LedgerStoreError.self) { _ = try await store.contractState() }
        }
    }
}
