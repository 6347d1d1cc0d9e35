import Crypto
import Foundation
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Synchronization
import Testing

/// Nodes sharing one PostgreSQL ledger: one sequences under the lease, the others follow the store
/// and hand their submissions to it, and another takes over when it stops.
@Suite("Shared ledger")
struct SharedLedgerTests {
    static let logger = Logger(label: "medledger.tests.shared-ledger")

    /// Hands submissions to the node registered under an endpoint in this process, through the
    /// same JSON answer the HTTP hand-on carries; an endpoint without a running node is unreachable.
    final class LocalForwarder: SubmissionForwarder {
        let nodes = Mutex<[String: LedgerNode]>([:])
        let verifier: NoteVerifierKey

        init(verifier: NoteVerifierKey) { self.verifier = verifier }

        func register(_ node: LedgerNode?, at endpoint: String) { nodes.withLock { $0[endpoint] = node } }

        func forward(_ envelope: [UInt8], to endpoint: String) async throws -> Receipt {
            guard let node = nodes.withLock({ $0[endpoint] }) else { throw ForwardingError.unreachable("no node at \(endpoint)") }
            let answer: HandedOnAnswer
            do {
                answer = HandedOnAnswer(try await node.sequenceHandedOn(envelope))
            } catch {
                answer = try #require(HandedOnAnswer(error))
            }
            let decoded = try JSONDecoder().decode(HandedOnAnswer.self, from: try JSONEncoder().encode(answer))
            return try decoded.result(verifier: verifier)
        }
    }

    struct Cluster {
        let nodes: [String: LedgerNode]
        /// Each node's connection to the database, which a test may cut.
        let stores: [String: SeverableStore]
        let forwarder: LocalForwarder
        let admin: EnvelopeSigner
        let signingKey: NoteSigningKey

        /// The name of the node that sequences, once exactly one says so.
        func sequencer(within seconds: Double = 5, excluding gone: Set<String> = []) async throws -> String {
            let deadline = ContinuousClock.now + .seconds(seconds)
            while ContinuousClock.now < deadline {
                var leading: [String] = []
                for (name, node) in nodes where !gone.contains(name) {
                    if await node.clusterStatus().role == .sequencer { leading.append(name) }
                }
                if leading.count == 1 { return leading[0] }
                try await Task.sleep(for: .milliseconds(20))
            }
            throw TestLedgerError("no single node took the lease in \(seconds) s")
        }
    }

    /// Two nodes on a fresh database with a genesis entry, running as services while `body` runs.
    func withCluster(_ body: (Cluster) async throws -> Void) async throws {
        let configuration = try await TestPostgres.shared.freshDatabase()
        try await PostgresDatabase.with(configuration, logger: Self.logger) { database in
            let signingKey = NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
            let forwarder = LocalForwarder(verifier: signingKey.verifierKey)
            var nodes: [String: LedgerNode] = [:]
            var stores: [String: SeverableStore] = [:]
            for name in ["a", "b"] {
                let cluster = ClusterConfiguration(node: name, endpoint: "local:\(name)", forwarder: forwarder, leaseMillis: 600, tickMillis: 50)
                let store = SeverableStore(inner: PostgresLedgerStore(database: database))
                let node = try await LedgerNode.open(store: store, signingKey: signingKey, logger: Self.logger, cluster: cluster)
                forwarder.register(node, at: "local:\(name)")
                nodes[name] = node
                stores[name] = store
            }
            let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
            let cluster = Cluster(nodes: nodes, stores: stores, forwarder: forwarder, admin: admin, signingKey: signingKey)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for node in nodes.values { group.addTask { try await node.run() } }
                do {
                    let first = try await cluster.sequencer()
                    let genesis = try admin.sign(
                        GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "Admin", service: nodes[first]!.service.payloadKey),
                        expires: UnixMilliseconds.now() + 60_000)
                    _ = try await nodes[first]!.submit(genesis)
                    try await body(cluster)
                } catch {
                    for node in nodes.values { await node.shutdown() }
                    throw error
                }
                for node in nodes.values { await node.shutdown() }
                try await group.waitForAll()
            }
        }
    }

    @Test("a following node hands a write to the sequencer and at once shows the state it changed")
    func followerHandsOn() async throws {
        try await withCluster { cluster in
            let sequencer = try await cluster.sequencer()
            let follower = try #require(cluster.nodes.first { $0.key != sequencer }?.value)
            let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
            let registration = try patient.sign(RegisterPatient(), expires: UnixMilliseconds.now() + 60_000)
            let receipt = try await follower.submit(registration)
            #expect(receipt.contract?.allowed == true)
            #expect(receipt.index == 1)
            // Read your own writes: the follower caught up before answering.
            #expect(await follower.account(patient.address)?.role == .patient)
            #expect(follower.size == 2)
            // A read handed on comes back with its answer.
            let result = try await follower.query(
                try patient.sign(ListRecords(patient: patient.address), expires: UnixMilliseconds.now() + 60_000), loadContent: false)
            #expect(result.receipt.index == 2)
            // A replay is refused as it would be on the sequencer.
            await #expect(throws: EnvelopeError.self) {
                _ = try await follower.submit(registration)
            }
        }
    }

    @Test("when the sequencer stops, the other node takes the lease and sequences from where it left off")
    func takeover() async throws {
        try await withCluster { cluster in
            let first = try await cluster.sequencer()
            let other = try #require(cluster.nodes.keys.first { $0 != first })
            _ = try await cluster.nodes[other]!.submit(
                try EnvelopeSigner(key: P256.Signing.PrivateKey()).sign(RegisterPatient(), expires: UnixMilliseconds.now() + 60_000))
            await cluster.nodes[first]!.shutdown()
            cluster.forwarder.register(nil, at: "local:\(first)")
            #expect(try await cluster.sequencer(excluding: [first]) == other)
            let receipt = try await cluster.nodes[other]!.submit(
                try EnvelopeSigner(key: P256.Signing.PrivateKey()).sign(RegisterPatient(), expires: UnixMilliseconds.now() + 60_000))
            #expect(receipt.index == 2)
            #expect(await cluster.nodes[other]!.clusterStatus().epoch >= 2)
        }
    }

    @Test("a sequencer whose write was lost and whose lease passed on follows what the store holds, not the block it never wrote")
    func lostWriteThenFollow() async throws {
        try await withCluster { cluster in
            let first = try await cluster.sequencer()
            let other = try #require(cluster.nodes.keys.first { $0 != first })
            let (old, successor) = (cluster.nodes[first]!, cluster.nodes[other]!)
            let sign = { @Sendable (signer: EnvelopeSigner) in try signer.sign(RegisterPatient(), expires: UnixMilliseconds.now() + 60_000) }
            #expect(try await old.submit(sign(EnvelopeSigner(key: P256.Signing.PrivateKey()))).index == 1)

            // The old sequencer seals a block on top of index 1, and its write never reaches the
            // database; nor do its lease renewals, so the other node takes over.
            cluster.stores[first]!.sever()
            let lost = EnvelopeSigner(key: P256.Signing.PrivateKey())
            await #expect(throws: SequencerError.self) { _ = try await old.submit(sign(lost)) }
            #expect(try await cluster.sequencer(excluding: [first]) == other)
            cluster.stores[first]!.heal()

            // The successor writes index 2, where the lost block would have been, and index 3.
            let written = [EnvelopeSigner(key: P256.Signing.PrivateKey()), EnvelopeSigner(key: P256.Signing.PrivateKey())]
            #expect(try await successor.submit(sign(written[0])).index == 2)
            #expect(try await successor.submit(sign(written[1])).index == 3)

            // The old sequencer, now following, shows exactly what the store holds.
            let deadline = ContinuousClock.now + .seconds(5)
            while old.size < 4, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(old.size == 4)
            #expect(await old.clusterStatus().role == .follower)
            #expect(await old.account(lost.address) == nil)
            for signer in written { #expect(await old.account(signer.address)?.role == .patient) }
            // Its copy of the state is the store's, object for object.
            let stored = try await cluster.stores[first]!.contractState()
            #expect(stored.accounts[lost.address] == nil)
            for (address, account) in stored.accounts { #expect(await old.account(address) == account) }
        }
    }

    @Test("a submission handed to a node that does not sequence is refused there, not passed on")
    func handOnToFollowerIsRefused() async throws {
        try await withCluster { cluster in
            let sequencer = try await cluster.sequencer()
            let follower = try #require(cluster.nodes.first { $0.key != sequencer }?.value)
            let envelope = try EnvelopeSigner(key: P256.Signing.PrivateKey()).sign(RegisterPatient(), expires: UnixMilliseconds.now() + 60_000)
            await #expect(throws: SequencerError.notSequencer) { _ = try await follower.sequenceHandedOn(envelope) }
        }
    }

    @Test("hand-on answers carry receipts and refusals across, and a receipt not signed by the log is not believed")
    func handedOnAnswers() throws {
        let refusal = try #require(HandedOnAnswer(EnvelopeError.replayed))
        let decoded = try JSONDecoder().decode(HandedOnAnswer.self, from: try JSONEncoder().encode(refusal))
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
        #expect(throws: EnvelopeError.replayed) { try decoded.result(verifier: key.verifierKey) }
        #expect(HandedOnAnswer(CancellationError()) == nil)
        var forged = try #require(HandedOnAnswer(EnvelopeError.expired))
        forged.refusal = nil
        forged.receipt = .init(index: 0, leafHash: String(repeating: "00", count: 32), checkpoint: "not a note", contract: nil)
        #expect(throws: ForwardingError.self) { try forged.result(verifier: key.verifierKey) }
    }

    @Test("the hand-on tag authenticates exactly its body under the ledger's key")
    func handOnTags() {
        let key = HandOnKey.derive(from: NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey()))
        let other = HandOnKey.derive(from: NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey()))
        let body = Array("envelope".utf8)
        let tag = HandOnKey.tag(body, key: key)
        #expect(HandOnKey.isValid(tag, for: body, key: key))
        #expect(!HandOnKey.isValid(tag, for: body + [0], key: key))
        #expect(!HandOnKey.isValid(tag, for: body, key: other))
        #expect(!HandOnKey.isValid("zz", for: body, key: key))
        #expect(!HandOnKey.isValid(String(tag.dropLast(2)), for: body, key: key))
    }
}
