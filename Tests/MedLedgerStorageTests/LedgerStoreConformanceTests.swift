import Crypto
import Foundation
import Logging
@testable import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerStorage

/// What every ``LedgerStore`` must do, checked on SQLite and on PostgreSQL alike, and a ledger
/// written block for block into both read back identically.
@Suite("ledger store conformance")
struct LedgerStoreConformanceTests {
    @Test("entries, tree hashes, checkpoints and the head read back as appended", arguments: StoreKind.allCases)
    func readsMatchAppends(kind: StoreKind) async throws {
        try await StoreLedger.with(kind, maxBatch: 7) { ledger in
            try await ledger.appendPings(300)
            let head = try await ledger.store.head()
            #expect(head.frontier.size == 301)
            let entries = try await ledger.store.entries(0..<1_000)
            #expect(entries.map(\.index) == Array(0..<301))
            var frontier = MerkleFrontier()
            var nodes: [MerkleFrontier.CompletedNode] = []
            for entry in entries {
                let leaf = TreeHash.leaf(entry.entry)
                nodes.append(.init(id: TreeNodeID(level: 0, index: entry.index), hash: leaf))
                nodes += frontier.append(leaf)
            }
            #expect(head.frontier == frontier)
            #expect(try await ledger.store.hashes(nodes.map(\.id)) == nodes.map(\.hash))
            await #expect(throws: LedgerStoreError.missingHash(TreeNodeID(level: 9, index: 0))) {
                _ = try await ledger.store.hashes([TreeNodeID(level: 9, index: 0)])
            }
            #expect(try await ledger.store.entries(at: [5, 3, 5, 999]).map(\.index) == [3, 5])
            #expect(try await ledger.store.entries(10..<10).isEmpty)

            let checkpoints = try await ledger.store.checkpoints(after: 0, limit: 10_000)
            #expect(checkpoints.map(\.size) == checkpoints.map(\.size).sorted())
            #expect(checkpoints.last?.size == 301)
            #expect(checkpoints.last?.note == head.checkpoint?.note.serialized)
            let page = try await ledger.store.checkpoints(after: checkpoints[1].size, limit: 2)
            #expect(page == Array(checkpoints[2..<4]))
            let covering = try #require(try await ledger.store.checkpoint(covering: 100))
            #expect(covering == checkpoints.first { $0.size >= 100 })
            #expect(try await ledger.store.checkpoint(covering: 302) == nil)
            #expect(try await ledger.store.firstReplayedEntry() == nil)
            #expect(try await ledger.store.firstAuditIndexFault() == nil)
        }
    }

    @Test("a node reopened on the store resumes at the same head and contract state", arguments: StoreKind.allCases)
    func reopens(kind: StoreKind) async throws {
        try await StoreLedger.with(kind) { ledger in
            try await ledger.populate()
            let before = try await ledger.store.head()
            let state = try await ledger.store.contractState()
            let reopened = try await LedgerNode.open(store: ledger.store, signingKey: ledger.signingKey, clock: ledger.clock.read)
            #expect(reopened.checkpoint == before.checkpoint)
            #expect(try await ledger.store.contractState() == state)
            let receipt = try await reopened.submit(try reopened.service.sign(PingBody(), expires: ledger.clock.now + 60_000))
            #expect(receipt.index == before.frontier.size)
        }
    }

    @Test("audit queries select exactly the matching events with every filter, paging and the limit", arguments: StoreKind.allCases)
    func auditQueries(kind: StoreKind) async throws {
        try await StoreLedger.with(kind) { ledger in
            let (alice, bob, doctor, windowStart, windowEnd) = try await ledger.populate()
            let all = try await ledger.store.events(AuditQuery(limit: AuditQuery.maxLimit))
            let size = try await ledger.store.head().frontier.size
            #expect(try await ledger.store.events(entries: 0..<size) == all)
            #expect(all.contains { $0.otherPatients == [bob.address] && $0.otherRecords == ["b-1"] })
            #expect(all.contains { $0.app == "store-app" && $0.record == "a-1" && $0.actor == alice.address && $0.outcome == .allowed })
            var othersOnly = AuditQuery(patient: alice.address)
            othersOnly.excludeActor = alice.address
            let queries: [AuditQuery] = [
                AuditQuery(record: "a-1"), AuditQuery(record: "b-1"),
                AuditQuery(patient: alice.address), AuditQuery(patient: bob.address),
                AuditQuery(actor: doctor.address), AuditQuery(action: "record.view"),
                AuditQuery(breakGlass: true), AuditQuery(breakGlass: false),
                AuditQuery(from: windowStart), AuditQuery(to: windowEnd), AuditQuery(from: windowStart, to: windowEnd),
                AuditQuery(record: "a-1", actor: doctor.address, action: "record.view"),
                AuditQuery(patient: alice.address, after: 6, limit: 2),
                AuditQuery(after: 3, limit: 4),
                othersOnly,
            ]
            for query in queries {
                let expected = Array(all.filter(query.matches).prefix(query.limit))
                let answered = try await ledger.store.events(query)
                #expect(answered == expected, "\(query)")
                #expect(!answered.isEmpty, "\(query)")
            }
            #expect(try await ledger.store.events(AuditQuery(limit: 0)).isEmpty)
            #expect(try await ledger.store.events(AuditQuery(limit: AuditQuery.maxLimit * 10)) == all)
            #expect(try await ledger.store.events(AuditQuery(record: "nothing-like-it")).isEmpty)
        }
    }

    @Test("a used nonce is reported, and a block replaying it is refused without writing anything", arguments: StoreKind.allCases)
    func replayedNonceRefused(kind: StoreKind) async throws {
        try await StoreLedger.with(kind) { ledger in
            let envelope = try ledger.node.service.sign(PingBody(), nonce: "aaaaaaaaaaaaaaaaaaaa", expires: ledger.clock.now + 60_000)
            let receipt = try await ledger.node.submit(envelope)
            let transaction = try ledger.node.verify(envelope)
            #expect(try await ledger.store.existingNonces([transaction.nonceKey, NonceKey(signer: transaction.signer, nonce: "unused-nonce-000000")])
                == [transaction.nonceKey])
            let head = try await ledger.store.head()
            #expect(head.frontier.size == receipt.index + 1)
            var state = try await ledger.store.contractState()
            let builder = BlockBuilder(origin: TestLedger.origin, signingKey: ledger.signingKey)
            let block = try #require(
                try builder.seal(after: head, state: &state, candidates: [transaction], existingNonces: [], time: ledger.clock.now).block)
            await #expect(throws: LedgerStoreError.replayedNonce) { try await ledger.store.append(block) }
            #expect(try await ledger.store.head().frontier == head.frontier)
            #expect(try await ledger.store.entries(0..<100).count == Int(head.frontier.size))
        }
    }

    @Test("credentials: names unique without regard to case, keys unique, updates keep the name, deletes by name or key", arguments: StoreKind.allCases)
    func credentials(kind: StoreKind) async throws {
        try await kind.withStores { _, store in
            let first = Self.credential("Alice", createdAt: 10)
            let second = Self.credential("bob", createdAt: 20)
            try await store.insert(first)
            try await store.insert(second)
            #expect(try await store.credential(username: "ALICE") == first)
            #expect(try await store.credential(address: second.address) == second)
            await #expect(throws: CredentialStoreError.taken) { try await store.insert(Self.credential("alice", createdAt: 30)) }
            var sameKey = Self.credential("carol", createdAt: 30)
            sameKey.address = first.address
            await #expect(throws: CredentialStoreError.taken) { try await store.insert(sameKey) }

            var changed = first
            changed.username = "renamed"
            changed.wrappedKey = "new-wrapped-key"
            changed.authHash = [9, 9, 9]
            changed.updatedAt = 99
            try await store.update(changed)
            var expected = changed
            expected.username = "Alice"
            #expect(try await store.credential(address: first.address) == expected)
            await #expect(throws: CredentialStoreError.notFound) { try await store.update(Self.credential("nobody", createdAt: 1)) }
            #expect(try await store.all().map(\.username) == ["Alice", "bob"])

            try await store.delete(username: "BOB")
            #expect(try await store.credential(username: "bob") == nil)
            try await store.delete(address: first.address)
            #expect(try await store.all().isEmpty)
        }
    }

    @Test("blocks written into SQLite and PostgreSQL alike read back identically from both")
    func bothStoresAgree() async throws {
        let database = try LedgerDatabase.inMemory()
        let sqlite = SQLiteLedgerStore(database: database)
        try await StoreKind.postgres.withStores { postgres, _ in
            let ledger = try await StoreLedger.make(
                store: TeeStore(primary: sqlite, mirror: postgres), credentials: SQLiteCredentialStore(database: database), maxBatch: 5)
            let (alice, _, doctor, _, _) = try await ledger.populate()
            try await ledger.appendPings(700)
            let stores: [any LedgerStore] = [sqlite, postgres]
            let size = try await sqlite.head().frontier.size
            var answers: [[String]] = []
            for store in stores {
                let head = try await store.head()
                var nodes: [TreeNodeID] = []
                var frontier = MerkleFrontier()
                for index in 0..<size { nodes += frontier.append(.leaf(Array("\(index)".utf8))).map(\.id) }
                answers.append([
                    "\(head.frontier) \(head.checkpoint?.note.serialized ?? "")",
                    "\(try await store.entries(0..<size))",
                    "\(try await store.entries(at: [0, 17, 400, size + 3]))",
                    "\(try await store.hashes(nodes + (0..<size).map { TreeNodeID(level: 0, index: $0) }))",
                    "\(try await store.checkpoints(after: 0, limit: 100_000))",
                    "\(try await store.checkpoint(covering: 250) as Any)",
                    "\(try await store.events(entries: 0..<size))",
                    "\(try await store.events(AuditQuery(patient: alice.address)))",
                    "\(try await store.events(AuditQuery(actor: doctor.address, limit: 2)))",
                    "\(try await store.firstReplayedEntry() as Any)",
                ])
            }
            #expect(answers[0] == answers[1])
            #expect(try await sqlite.contractState() == postgres.contractState())
        }
    }

    static func credential(_ username: String, createdAt: Int64) -> Credential {
        let key = P256.Signing.PrivateKey()
        return Credential(
            username: username, address: key.publicKey.address, publicKey: "pk-\(username)", role: .patient, salt: "salt",
            iterations: 600_000, wrappedKey: "wrapped", authHash: [1, 2, 3], authSalt: [4, 5, 6], createdAt: createdAt, updatedAt: createdAt)
    }
}
