import Crypto
import Testing

@testable import MedLedgerCore

/// A small ledger driven directly through `BlockBuilder`, with no store.
private struct BlockHarness {
    static let origin = "blocks.test/log"
    let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let signingKey = NoteSigningKey(
        name: BlockHarness.origin, privateKey: try! Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 42, count: 32)))
    var builder: BlockBuilder { BlockBuilder(origin: Self.origin, signingKey: signingKey) }
    let verifier = EnvelopeVerifier(registry: ContractEngine.registry)
    /// The node's service key, the only key admission takes pings from.
    var service: EnvelopeSigner { EnvelopeSigner(key: NodeServiceKey.derive(from: signingKey)) }

    func verified(_ entry: [UInt8]) throws -> VerifiedTransaction {
        try verifier.parse(entry)
    }

    func genesis(origin: String = BlockHarness.origin, nonce: String = EnvelopeSigner.randomNonce()) throws -> VerifiedTransaction {
        try verified(admin.sign(
            GenesisBody(origin: origin, admin: admin.payloadKey, adminName: "Admin", service: service.payloadKey), nonce: nonce, expires: testNow + 60_000))
    }

    /// An operator ping, signed by the service key unless a test passes another signer.
    func ping(
        from signer: EnvelopeSigner? = nil, nonce: String = EnvelopeSigner.randomNonce(), expires: Int64 = testNow + 60_000
    ) throws -> VerifiedTransaction {
        try verified((signer ?? service).sign(PingBody(), nonce: nonce, expires: expires))
    }

    /// A cheap action any key may sign (the contracts deny it to a key without an account, but it
    /// is admitted and sequenced): for tests of nonces across several signers.
    func action(from signer: EnvelopeSigner, nonce: String = EnvelopeSigner.randomNonce(), expires: Int64 = testNow + 60_000) throws -> VerifiedTransaction {
        try verified(signer.sign(ListOrganizations(), nonce: nonce, expires: expires))
    }

    /// The contract state after the genesis entry (it names the service key pings need).
    func stateAfterGenesis() throws -> ContractState {
        var state = ContractState()
        _ = try builder.seal(after: .empty, state: &state, candidates: [try genesis()], existingNonces: [], time: testNow)
        return state
    }

    /// The head after a sealed genesis block at `testNow`.
    func headAfterGenesis() throws -> (LedgerHead, VerifiedTransaction) {
        let genesis = try genesis()
        var state = ContractState()
        let result = try builder.seal(after: .empty, state: &state, candidates: [genesis], existingNonces: [], time: testNow)
        let block = try #require(result.block)
        return (LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier), genesis)
    }
}

private func indexes(_ outcomes: [Result<BlockBuilder.Admission, EnvelopeError>]) -> [UInt64?] {
    outcomes.map { try? $0.get().index }
}

private func failure(_ outcome: Result<BlockBuilder.Admission, EnvelopeError>) -> EnvelopeError? {
    if case .failure(let error) = outcome { return error }
    return nil
}

private func isRejection(_ outcome: Result<BlockBuilder.Admission, EnvelopeError>, mentioning text: String) -> Bool {
    if case .failure(.rejected(let why)) = outcome { return why.contains(text) }
    return false
}

@Suite("block builder")
struct BlockBuilderTests {
    @Test("a genesis block is sealed at index 0 with a first checkpoint over the genesis leaf")
    func genesisBlock() throws {
        let harness = BlockHarness()
        let genesis = try harness.genesis()
        var state = ContractState()
        let result = try harness.builder.seal(after: .empty, state: &state, candidates: [genesis], existingNonces: [], time: testNow)
        #expect(indexes(result.outcomes) == [0])
        let block = try #require(result.block)
        #expect(block.entries.map(\.index) == [0])
        #expect(block.entries[0].transaction.entry == genesis.entry)
        #expect(block.nodes.isEmpty)
        let checkpoint = block.checkpoint.checkpoint
        #expect(checkpoint.origin == BlockHarness.origin)
        #expect(checkpoint.size == 1)
        #expect(checkpoint.root == TreeHash.leaf(genesis.entry))
        #expect(checkpoint.root == block.frontier.root)
        #expect(checkpoint.time == testNow)
        #expect(checkpoint.previousSize == 0)
        #expect(checkpoint.previousHash == Checkpoint.noPrevious)
        #expect(block.checkpoint.note.text == checkpoint.body)
        #expect(harness.signingKey.verifierKey.hasSigned(block.checkpoint.note))
        #expect(try SignedCheckpoint.open(block.checkpoint.note.serialized, verifier: harness.signingKey.verifierKey) == block.checkpoint)
    }

    @Test("the first entry must be a genesis; a ping first is refused and nothing is sealed")
    func nonGenesisFirstRefused() throws {
        let harness = BlockHarness()
        var state = ContractState()
        let result = try harness.builder.seal(after: .empty, state: &state, candidates: [try harness.ping()], existingNonces: [], time: testNow)
        #expect(result.block == nil)
        #expect(result.outcomes.count == 1)
        #expect(isRejection(result.outcomes[0], mentioning: "no genesis"))
    }

    @Test("a refused first ping does not stop a later genesis in the same batch from taking index 0")
    func genesisAfterRefusedPing() throws {
        let harness = BlockHarness()
        var state = ContractState()
        let result = try harness.builder.seal(
            after: .empty, state: &state, candidates: [try harness.ping(), try harness.genesis(), try harness.ping()], existingNonces: [], time: testNow)
        #expect(indexes(result.outcomes) == [nil, 0, 1])
        #expect(result.block?.checkpoint.checkpoint.size == 2)
    }

    @Test("a second genesis is refused, in the same batch and in a later block")
    func secondGenesisRefused() throws {
        let harness = BlockHarness()
        var state = ContractState()
        let first = try harness.builder.seal(
            after: .empty, state: &state, candidates: [try harness.genesis(), try harness.genesis()], existingNonces: [], time: testNow)
        #expect(indexes(first.outcomes) == [0, nil])
        #expect(isRejection(first.outcomes[1], mentioning: "already has a genesis"))
        #expect(first.block?.entries.count == 1)

        let (head, _) = try harness.headAfterGenesis()
        let later = try harness.builder.seal(after: head, state: &state, candidates: [try harness.genesis()], existingNonces: [], time: testNow + 1)
        #expect(later.block == nil)
        #expect(isRejection(later.outcomes[0], mentioning: "already has a genesis"))
    }

    @Test("a genesis naming a different origin is refused")
    func genesisOtherOriginRefused() throws {
        let harness = BlockHarness()
        var state = ContractState()
        let result = try harness.builder.seal(
            after: .empty, state: &state, candidates: [try harness.genesis(origin: "some.other/log")], existingNonces: [], time: testNow)
        #expect(result.block == nil)
        #expect(isRejection(result.outcomes[0], mentioning: "some.other/log"))
    }

    @Test("replayed nonces are refused, from the ledger and within the batch, while the others are admitted")
    func replayedNonces() throws {
        let harness = BlockHarness()
        let (head, genesis) = try harness.headAfterGenesis()
        let alice = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let bob = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let carol = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let shared = "shared-nonce-0123456789"
        let candidates = [
            try harness.action(from: alice, nonce: shared),  // admitted
            try harness.action(from: bob, nonce: shared),  // same nonce, different signer: admitted
            try harness.action(from: alice, nonce: shared, expires: testNow + 30_000),  // replay within the batch
            try harness.action(from: carol, nonce: "carol-used-this-before"),  // replay of a stored nonce
            try harness.action(from: carol, nonce: "carol-fresh-nonce-0001"),  // admitted
            genesis,  // its nonce is in the ledger too
        ]
        let existing: Set<NonceKey> = [
            NonceKey(signer: carol.address, nonce: "carol-used-this-before"), genesis.nonceKey,
        ]
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(after: head, state: &state, candidates: candidates, existingNonces: existing, time: testNow + 5)
        #expect(indexes(result.outcomes) == [1, 2, nil, nil, 3, nil])
        #expect(failure(result.outcomes[2]) == .replayed)
        #expect(failure(result.outcomes[3]) == .replayed)
        #expect(failure(result.outcomes[5]) == .replayed)
        let block = try #require(result.block)
        #expect(block.entries.map(\.index) == [1, 2, 3])
        #expect(block.entries.map(\.transaction.entry) == [candidates[0].entry, candidates[1].entry, candidates[4].entry])
    }

    @Test("a nonce refused for expiry is not burned: a later valid use in the batch is admitted")
    func expiredDoesNotBurnNonce() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let candidates = [
            try harness.action(from: signer, nonce: fixedNonce, expires: testNow - 1),
            try harness.action(from: signer, nonce: fixedNonce, expires: testNow + 1),
        ]
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(after: head, state: &state, candidates: candidates, existingNonces: [], time: testNow)
        #expect(failure(result.outcomes[0]) == .expired)
        #expect(indexes(result.outcomes) == [nil, 1])
    }

    @Test("payloads expired at block time are refused; expiring exactly at block time is admitted")
    func expiredAtBlockTime() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        let blockTime = testNow + 10_000
        let candidates = [
            try harness.ping(expires: blockTime - 1),
            try harness.ping(expires: blockTime),
            try harness.ping(expires: blockTime + 1),
        ]
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(after: head, state: &state, candidates: candidates, existingNonces: [], time: blockTime)
        #expect(failure(result.outcomes[0]) == .expired)
        #expect(indexes(result.outcomes) == [nil, 1, 2])
    }

    @Test("the checkpoint chain: root is the frontier's root, prev names the previous checkpoint, time never goes back")
    func checkpointChain() throws {
        let harness = BlockHarness()
        var head = LedgerHead.empty
        var entries: [[UInt8]] = []
        var previous: Checkpoint?
        let times: [Int64] = [testNow, testNow + 50, testNow + 20, testNow + 20, testNow + 1_000]
        let batchSizes = [1, 3, 4, 1, 9]
        var expectedTime: Int64 = .min
        var state = ContractState()
        for (time, count) in zip(times, batchSizes) {
            let candidates = try (0..<count).map { i in
                entries.isEmpty && i == 0 ? try harness.genesis() : try harness.ping(expires: testNow + 2_000)
            }
            let result = try harness.builder.seal(after: head, state: &state, candidates: candidates, existingNonces: [], time: time)
            let block = try #require(result.block)
            #expect(block.entries.map(\.index) == Array(UInt64(entries.count)..<UInt64(entries.count + count)))
            entries += candidates.map(\.entry)
            let checkpoint = block.checkpoint.checkpoint
            #expect(checkpoint.size == UInt64(entries.count))
            #expect(checkpoint.root == block.frontier.root)
            #expect(block.frontier.size == UInt64(entries.count))
            // Independently recomputed from the entry bytes.
            #expect(checkpoint.root.bytes == ReferenceMerkleTree(entries: entries).root(size: entries.count))
            #expect(checkpoint.previousSize == (previous?.size ?? 0))
            #expect(checkpoint.previousHash == (previous?.bodyHash ?? [UInt8](repeating: 0, count: 32)))
            expectedTime = max(expectedTime, time)
            #expect(checkpoint.time == expectedTime, "block time must be max of clock and previous checkpoint time")
            if let previous { #expect(checkpoint.time >= previous.time) }
            #expect(harness.signingKey.verifierKey.hasSigned(block.checkpoint.note))
            previous = checkpoint
            head = LedgerHead(checkpoint: block.checkpoint, frontier: block.frontier)
        }
        #expect(entries.count == 18)
        #expect(previous?.time == testNow + 1_000)
    }

    @Test("expiry is judged at the block time, which is never earlier than the previous checkpoint")
    func expiryUsesMonotonicBlockTime() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        // The clock stepped back 10 s, but the block time stays at the previous checkpoint's time.
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(
            after: head, state: &state, candidates: [try harness.ping(expires: testNow - 5_000), try harness.ping(expires: testNow)],
            existingNonces: [], time: testNow - 10_000)
        #expect(failure(result.outcomes[0]) == .expired)
        #expect(indexes(result.outcomes) == [nil, 1])
        #expect(result.block?.checkpoint.checkpoint.time == testNow)
    }

    @Test("a ping from any key but the node's service key is refused as operator-only; the service key's ping is admitted")
    func pingsOnlyFromTheNode() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        var state = try harness.stateAfterGenesis()
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let candidates = [try harness.ping(from: stranger), try harness.ping(from: harness.admin), try harness.ping()]
        let result = try harness.builder.seal(after: head, state: &state, candidates: candidates, existingNonces: [], time: testNow)
        #expect(failure(result.outcomes[0]) == .operatorOnly("ledger.ping"))
        #expect(failure(result.outcomes[1]) == .operatorOnly("ledger.ping"))
        #expect(indexes(result.outcomes) == [nil, nil, 1])
        #expect(EnvelopeError.operatorOnly("ledger.ping").code == "operator_only")
    }

    @Test("without the genesis entry's service key in the state, no ping is admitted")
    func pingsNeedTheGenesisServiceKey() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        var state = ContractState()
        let result = try harness.builder.seal(after: head, state: &state, candidates: [try harness.ping()], existingNonces: [], time: testNow)
        #expect(failure(result.outcomes[0]) == .operatorOnly("ledger.ping"))
        #expect(result.block == nil)
    }

    @Test("the block reports every perfect subtree its entries completed")
    func completedNodes() throws {
        let harness = BlockHarness()
        let (head, genesis) = try harness.headAfterGenesis()
        let pings = try (0..<7).map { _ in try harness.ping() }
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(after: head, state: &state, candidates: pings, existingNonces: [], time: testNow)
        let block = try #require(result.block)
        let reference = ReferenceMerkleTree(entries: [genesis.entry] + pings.map(\.entry))
        #expect(Set(block.nodes.map(\.id)) == Set([
            TreeNodeID(level: 1, index: 0), TreeNodeID(level: 1, index: 1), TreeNodeID(level: 2, index: 0),
            TreeNodeID(level: 1, index: 2), TreeNodeID(level: 1, index: 3), TreeNodeID(level: 2, index: 1),
            TreeNodeID(level: 3, index: 0),
        ]))
        for node in block.nodes {
            #expect(node.hash.bytes == reference.mth(Int(node.id.leaves.lowerBound)..<Int(node.id.leaves.upperBound)))
        }
    }

    @Test("a batch with nothing admissible seals no block and reports every refusal")
    func nothingAdmitted() throws {
        let harness = BlockHarness()
        let (head, genesis) = try harness.headAfterGenesis()
        var state = try harness.stateAfterGenesis()
        let result = try harness.builder.seal(
            after: head, state: &state, candidates: [genesis, try harness.ping(expires: 0)], existingNonces: [], time: testNow)
        #expect(result.block == nil)
        #expect(isRejection(result.outcomes[0], mentioning: "already has a genesis"))
        #expect(failure(result.outcomes[1]) == .expired)
        let empty = try harness.builder.seal(after: head, state: &state, candidates: [], existingNonces: [], time: testNow)
        #expect(empty.outcomes.isEmpty)
        #expect(empty.block == nil)
    }

    @Test("sealing is deterministic for the same inputs")
    func deterministic() throws {
        let harness = BlockHarness()
        let (head, _) = try harness.headAfterGenesis()
        let pings = try (0..<3).map { _ in try harness.ping() }
        var state = try harness.stateAfterGenesis()
        let a = try harness.builder.seal(after: head, state: &state, candidates: pings, existingNonces: [], time: testNow + 7)
        let b = try harness.builder.seal(after: head, state: &state, candidates: pings, existingNonces: [], time: testNow + 7)
        #expect(a.block?.checkpoint == b.block?.checkpoint)
        #expect(a.block?.frontier == b.block?.frontier)
    }

    @Test("refusal order: a replayed nonce is reported before expiry")
    func refusalOrder() throws {
        let harness = BlockHarness()
        let tx = try harness.ping(expires: testNow - 1)
        #expect(BlockBuilder.refusal(of: tx, at: 1, blockTime: testNow, seen: [tx.nonceKey], origin: BlockHarness.origin) == .replayed)
        #expect(BlockBuilder.refusal(of: tx, at: 1, blockTime: testNow, seen: [], origin: BlockHarness.origin) == .expired)
        #expect(BlockBuilder.refusal(of: try harness.ping(), at: 1, blockTime: testNow, seen: [], origin: BlockHarness.origin) == nil)
    }
}
