import Crypto
import Foundation
import GRDB
@testable import MedLedgerCore
@testable import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerStorage

@Suite("SQLite ledger store")
struct SQLiteLedgerStoreTests {
    @Test("head after appends holds the latest checkpoint and the tree's right edge")
    func headMatchesAppends() async throws {
        let ledger = try await TestLedger.make()
        let receipts = try await ledger.appendPings(37)
        let head = try await ledger.store.head()
        #expect(head.frontier.size == 38)
        #expect(head.checkpoint == receipts.last?.checkpoint)
        #expect(head.frontier.root == receipts.last?.checkpoint.checkpoint.root)
    }

    @Test("a file-backed ledger reopens at the same head without replaying entries")
    func reopensFromDisk() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("ledger.sqlite").path
        let ledger = try await TestLedger.make(database: try LedgerDatabase.open(path: path))
        try await ledger.appendPings(300)
        let before = try await ledger.store.head()

        let reopened = SQLiteLedgerStore(database: try LedgerDatabase.open(path: path))
        let after = try await reopened.head()
        #expect(after.frontier == before.frontier)
        #expect(after.checkpoint == before.checkpoint)
        let node = try await LedgerNode.open(store: reopened, signingKey: ledger.signingKey, clock: ledger.clock.read)
        let receipt = try await node.submit(try ledger.ping())
        #expect(receipt.index == 301)
    }

    @Test("every stored perfect subtree hash equals the hash recomputed from the entries")
    func storedNodesMatchEntries() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(70)
        let entries = try await ledger.store.entries(0..<71)
        #expect(entries.count == 71)
        var frontier = MerkleFrontier()
        var completed: [MerkleFrontier.CompletedNode] = []
        for entry in entries { completed += frontier.append(.leaf(entry.entry)) }
        let stored = try await ledger.store.hashes(completed.map(\.id))
        #expect(stored == completed.map(\.hash))
        await #expect(throws: LedgerStoreError.missingHash(TreeNodeID(level: 7, index: 0))) {
            _ = try await ledger.store.hashes([TreeNodeID(level: 7, index: 0)])
        }
    }

    @Test("complete 256-leaf tiles are packed into one row each and still read back exactly")
    func packedTiles() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(600)
        let entries = try await ledger.store.entries(0..<601)
        var frontier = MerkleFrontier()
        var nodes: [MerkleFrontier.CompletedNode] = []
        for entry in entries {
            let leaf = TreeHash.leaf(entry.entry)
            nodes.append(.init(id: TreeNodeID(level: 0, index: entry.index), hash: leaf))
            nodes += frontier.append(leaf)
        }
        #expect(try await ledger.store.hashes(nodes.map(\.id)) == nodes.map(\.hash))
        let (tiles, looseLowNodes) = try await ledger.database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hash_tile")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tree_node WHERE level < 8 AND (idx << level) < 512")!)
        }
        #expect(tiles == 2)
        #expect(looseLowNodes == 0)
        let reopened = try await SQLiteLedgerStore(database: ledger.database).head()
        #expect(reopened.frontier == frontier)
    }

    @Test("65,536 leaves complete a level-1 tile: tree levels 8 to 15 are packed too, and proofs still verify")
    func packedLevelOneTile() async throws {
        let database = try LedgerDatabase.inMemory()
        let store = SQLiteLedgerStore(database: database)
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        let builder = BlockBuilder(origin: TestLedger.origin, signingKey: key)
        let admin = P256.Signing.PrivateKey().publicKey
        let service = P256.Signing.PrivateKey().publicKey
        // Synthetic entries: the store and the tree only see bytes, so no signing is needed here.
        func transaction(_ i: Int) -> VerifiedTransaction {
            let entry = Array("entry \(i)".utf8)
            let body: any TransactionBody =
                i == 0 ? GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "A", service: service.payloadKey) : PingBody()
            let signer = i == 0 ? admin : service
            return VerifiedTransaction(
                entry: entry, leafHash: .leaf(entry), type: i == 0 ? GenesisBody.transactionType : PingBody.transactionType,
                signerKey: signer, signer: signer.address, nonce: "synthetic-nonce-\(i)", expires: .max, body: body)
        }
        var head = LedgerHead.empty
        var state = ContractState()
        for start in stride(from: 0, to: 65_537, by: 4096) {
            let batch = (start..<min(start + 4096, 65_537)).map(transaction)
            let block = try #require(try builder.seal(after: head, state: &state, candidates: batch, existingNonces: [], time: 1).block)
            try await store.append(block)
            head = LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier)
        }
        let (levelOne, looseNodes) = try await database.writer.read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM hash_tile WHERE level = 1")!,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM tree_node WHERE level BETWEEN 8 AND 15")!)
        }
        #expect(levelOne == 1)
        #expect(looseNodes == 0)
        let node = try await LedgerNode.open(store: store, signingKey: key)
        let root = try #require(node.checkpoint).checkpoint.root
        for index in [0, 255, 256, 40_000, 65_535, 65_536] as [UInt64] {
            let proof = try await node.inclusionProof(index: index, size: 65_537)
            #expect(MerkleProofVerifier.verifyInclusion(leaf: transaction(Int(index)).leafHash, index: index, size: 65_537, proof: proof, root: root))
        }
        #expect(try await store.head().frontier == head.frontier)
    }

    @Test("the store refuses a second entry with the same signer and nonce even when the caller skipped the check")
    func uniqueNonceConstraint() async throws {
        let ledger = try await TestLedger.make()
        let receipt = try await ledger.node.submit(try ledger.ping(nonce: "aaaaaaaaaaaaaaaaaaaa"))
        let head = try await ledger.store.head()
        let stored = try #require(try await ledger.store.entries(receipt.index..<(receipt.index + 1)).first)
        let transaction = try ledger.node.verifier.parse(stored.entry)
        let builder = BlockBuilder(origin: TestLedger.origin, signingKey: ledger.signingKey)
        // Pretend the nonce check missed it: the constraint must still hold.
        var state = try await ledger.store.contractState()
        let sealed = try builder.seal(after: head, state: &state, candidates: [transaction], existingNonces: [], time: ledger.clock.now)
        let block = try #require(sealed.block)
        await #expect(throws: LedgerStoreError.replayedNonce) { try await ledger.store.append(block) }
        #expect(try await ledger.store.head().frontier.size == 2)
    }

    @Test("checkpoints page in order and the covering checkpoint is found")
    func checkpointQueries() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(5)
        let all = try await ledger.store.checkpoints(after: 0, limit: 100)
        #expect(all.map(\.size) == [1, 2, 3, 4, 5, 6])
        #expect(try await ledger.store.checkpoints(after: 3, limit: 2).map(\.size) == [4, 5])
        #expect(try await ledger.store.checkpoint(covering: 4)?.size == 4)
        #expect(try await ledger.store.checkpoint(covering: 7) == nil)
    }
}
