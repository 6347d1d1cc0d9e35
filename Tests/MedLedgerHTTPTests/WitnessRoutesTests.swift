import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import MedLedgerHTTP

/// A witness directory under the system's temporary folder, removed by `remove()`.
struct TemporaryWitness {
    let directory: WitnessDirectory
    let witness: FileWitness

    static let receivedAt: Int64 = 1_795_000_000_000

    init(logKeys: [NoteVerifierKey]) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("witness-test-\(UUID().uuidString)").path
        directory = WitnessDirectory(path: path)
        _ = try directory.initialise(name: "witness.example/test", logKeys: logKeys)
        witness = try FileWitness(directory: directory, clock: { Self.receivedAt })
    }

    func remove() { try? FileManager.default.removeItem(at: directory.url) }
}

@Suite("witness HTTP routes")
struct WitnessRoutesTests {
    let logger = Logger(label: "test.witness")

    func withWitness(_ body: @escaping @Sendable (TestLedger, TemporaryWitness, any TestClientProtocol) async throws -> Void) async throws {
        let ledger = try await TestLedger.make()
        let witness = try TemporaryWitness(logKeys: [ledger.node.verifierKey])
        defer { witness.remove() }
        let app = Application(router: buildWitnessRouter(witness: witness.witness, logger: logger))
        try await app.test(.router) { client in try await body(ledger, witness, client) }
    }

    func post(_ client: some TestClientProtocol, _ body: String) async throws -> (status: Int, type: String?, body: String) {
        try await client.execute(uri: "/add-checkpoint", method: .post, body: ByteBuffer(string: body)) { response in
            (Int(response.status.code), response.headers[.contentType], String(buffer: response.body))
        }
    }

    func request(_ ledger: TestLedger, old: UInt64, note: SignedNote? = nil) async throws -> String {
        let latest = try #require(ledger.node.checkpoint)
        let size = latest.checkpoint.size
        let proof = try await ledger.node.consistencyProof(from: old, to: size)
        return AddCheckpointRequest(oldSize: old, proof: proof, checkpoint: note ?? latest.note).serialized
    }

    /// A checkpoint the node's own key signs for `size` with a made-up root: a fork.
    func forged(_ ledger: TestLedger, size: UInt64) throws -> SignedNote {
        let root = TreeHash([UInt8](repeating: 0x5A, count: 32))!
        let body = Checkpoint(origin: TestLedger.origin, size: size, root: root, time: 1, previousSize: 0, previousHash: Checkpoint.noPrevious).body
        return try ledger.signingKey.sign(text: body)
    }

    @Test("GET / serves the witness's cosignature/v1 verifier key")
    func key() async throws {
        try await withWitness { _, witness, client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok)
                let key = try #require(NoteVerifierKey(vkey: String(buffer: response.body).trimmingCharacters(in: .newlines)))
                #expect(key == witness.witness.verifierKey)
                #expect(key.type == .cosignatureV1)
            }
        }
    }

    @Test("200: the first checkpoint is cosigned, and the record is on disk before the answer (a reopened witness has it)")
    func cosigns() async throws {
        try await withWitness { ledger, witness, client in
            try await ledger.appendPings(4)
            let answer = try await post(client, try await request(ledger, old: 0))
            #expect(answer.status == 200)
            let note = try #require(ledger.node.checkpoint).note
            let cosigned = try SignedNote.parse(note.serialized + answer.body)
            #expect(witness.witness.verifierKey.cosignatureTime(on: cosigned) == UInt64(TemporaryWitness.receivedAt / 1000))
            let reopened = try FileWitness(directory: witness.directory)
            #expect(await reopened.records[TestLedger.origin]?.size == 5)
            #expect(await reopened.records[TestLedger.origin]?.checkpoint == note)
            // The update replaced the file in place: no temporary file is left beside it.
            let files = try FileManager.default.contentsOfDirectory(atPath: witness.directory.checkpointsURL.path)
            #expect(files.count == 1)
            #expect(files.first?.hasSuffix(".note") == true)
            // Growing with a proof works too.
            try await ledger.appendPings(10)
            #expect(try await post(client, try await request(ledger, old: 5)).status == 200)
            #expect(await witness.witness.records[TestLedger.origin]?.size == 15)
        }
    }

    @Test("409: an old size other than the recorded one gets the recorded size as text/x.tlog.size")
    func staleOldSize() async throws {
        try await withWitness { ledger, _, client in
            #expect(try await post(client, try await request(ledger, old: 0)).status == 200)
            try await ledger.appendPings(3)
            let answer = try await post(client, try await request(ledger, old: 0))
            #expect(answer.status == 409)
            #expect(answer.type == "text/x.tlog.size")
            #expect(answer.body == "1\n")
        }
    }

    @Test("409 and evidence: a second checkpoint of the recorded size with another root, signed by the log, is kept verbatim")
    func forkKeptAsEvidence() async throws {
        try await withWitness { ledger, witness, client in
            try await ledger.appendPings(6)
            #expect(try await post(client, try await request(ledger, old: 0)).status == 200)
            let fork = AddCheckpointRequest(oldSize: 7, proof: [], checkpoint: try forged(ledger, size: 7)).serialized
            let answer = try await post(client, fork)
            #expect(answer.status == 409)
            #expect(answer.body == "7\n")
            let files = try witness.directory.evidenceFiles()
            #expect(files.count == 1)
            let path = try #require(files.first)
            #expect(path.contains("-fork-"))
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(fork.utf8))
            let description = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: String(path.dropLast(".request".count)) + ".json"))) as? [String: Any]
            #expect(description?["reason"] as? String == "fork")
            #expect(description?["origin"] as? String == TestLedger.origin)
            #expect(description?["recordedCheckpoint"] as? String == ledger.node.checkpoint?.note.serialized)
            // The record did not move.
            #expect(await witness.witness.records[TestLedger.origin]?.head.root == ledger.node.checkpoint?.checkpoint.root)
        }
    }

    @Test("422 and evidence: a proof that does not link the recorded checkpoint to the new one")
    func badProof() async throws {
        try await withWitness { ledger, witness, client in
            try await ledger.appendPings(4)
            #expect(try await post(client, try await request(ledger, old: 0)).status == 200)
            try await ledger.appendPings(4)
            let latest = try #require(ledger.node.checkpoint)
            let wrong = AddCheckpointRequest(oldSize: 5, proof: [TreeHash([UInt8](repeating: 1, count: 32))!], checkpoint: latest.note).serialized
            let answer = try await post(client, wrong)
            #expect(answer.status == 422)
            #expect(answer.type == "text/plain; charset=utf-8")
            let files = try witness.directory.evidenceFiles()
            #expect(files.count == 1)
            #expect(files.first?.contains("-inconsistent-") == true)
            #expect(await witness.witness.records[TestLedger.origin]?.size == 5)
        }
    }

    @Test("403 for a checkpoint of a known log signed by another key, 404 for an unknown log; neither is evidence")
    func untrustedAndUnknown() async throws {
        try await withWitness { ledger, witness, client in
            let body = ledger.node.checkpoint!.note.text
            let impostor = NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
            let forbidden = try await post(client, AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try impostor.sign(text: body)).serialized)
            #expect(forbidden.status == 403)
            let stranger = NoteSigningKey(name: "elsewhere.example/log", privateKey: Curve25519.Signing.PrivateKey())
            let strangerBody = body.replacingOccurrences(of: TestLedger.origin, with: "elsewhere.example/log")
            let notFound = try await post(client, AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try stranger.sign(text: strangerBody)).serialized)
            #expect(notFound.status == 404)
            #expect(try witness.directory.evidenceFiles().isEmpty)
        }
    }

    @Test("400 for a malformed body and for old above the checkpoint's size; 413 for an oversized body")
    func badRequests() async throws {
        try await withWitness { ledger, _, client async throws in
            #expect(try await post(client, "old 1\nnonsense").status == 400)
            #expect(try await post(client, "old 01\n\n" + ledger.node.checkpoint!.note.serialized).status == 400)
            #expect(try await post(client, AddCheckpointRequest(oldSize: 9, proof: [], checkpoint: ledger.node.checkpoint!.note).serialized).status == 400)
            let huge = "old 0\n" + String(repeating: "A", count: 70_000)
            #expect(try await post(client, huge).status == 413)
        }
    }

    @Test("concurrent requests from the same recorded size: exactly one is cosigned, the others get 409 with its size")
    func concurrentCheckAndUpdate() async throws {
        try await withWitness { ledger, witness, client in
            #expect(try await post(client, try await request(ledger, old: 0)).status == 200)
            let receipts = try await ledger.appendPings(12)
            var bodies: [String] = []
            for receipt in receipts {
                let size = receipt.checkpoint.checkpoint.size
                let proof = try await ledger.node.consistencyProof(from: 1, to: size)
                bodies.append(AddCheckpointRequest(oldSize: 1, proof: proof, checkpoint: receipt.checkpoint.note).serialized)
            }
            let answers = try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for body in bodies { group.addTask { let a = try await post(client, body); return (a.status, a.body) } }
                var all: [(Int, String)] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.filter { $0.0 == 200 }.count == 1)
            let recorded = try #require(await witness.witness.records[TestLedger.origin]?.size)
            #expect(answers.filter { $0.0 == 409 }.allSatisfy { $0.1 == "\(recorded)\n" })
            #expect(answers.filter { $0.0 == 409 }.count == 11)
        }
    }
}

/// A fixed answer for ``WitnessedCheckpointProvider``.
final class FixedWitnessedCheckpoint: WitnessedCheckpointProvider {
    let value = Mutex<SignedCheckpoint?>(nil)
    var witnessedCheckpoint: SignedCheckpoint? { value.withLock { $0 } }
}

@Suite("GET /checkpoint with witnesses")
struct WitnessedCheckpointRouteTests {
    @Test("with a provider, /checkpoint is 503 until a checkpoint is witnessed, then serves it; /checkpoint/latest serves the latest")
    func servesWitnessed() async throws {
        let ledger = try await TestLedger.make()
        let provider = FixedWitnessedCheckpoint()
        let first = try #require(ledger.node.checkpoint)
        try await ledger.appendPings(2)
        try await Application(router: buildRouter(node: ledger.node, witnessing: provider)).test(.router) { client in
            try await client.execute(uri: "/checkpoint", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
            let cosigner = CosignerKey(name: "witness.example/w")
            let cosigned = SignedNote(text: first.note.text, signatures: first.note.signatures + [try cosigner.cosign(first.note, time: 5)])
            provider.value.withLock { $0 = SignedCheckpoint(checkpoint: first.checkpoint, note: cosigned) }
            try await client.execute(uri: "/checkpoint", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == cosigned.serialized)
            }
            try await client.execute(uri: "/checkpoint/latest", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == ledger.node.checkpoint?.note.serialized)
            }
        }
    }

    @Test("audit bundles are proven against the witnessed checkpoint, so they verify under a witness policy")
    func bundleUsesWitnessedCheckpoint() async throws {
        let (ledger, _, auditor) = try await AuditRoutesTests.ledger()
        let cosigner = CosignerKey(name: "witness.example/w")
        let latest = try #require(ledger.node.checkpoint)
        let provider = FixedWitnessedCheckpoint()
        let cosigned = SignedNote(text: latest.note.text, signatures: latest.note.signatures + [try cosigner.cosign(latest.note, time: 9)])
        provider.value.withLock { $0 = SignedCheckpoint(checkpoint: latest.checkpoint, note: cosigned) }
        let verifier = AuditBundleVerifier(logKey: ledger.node.verifierKey, witnesses: WitnessPolicy(witnesses: [cosigner.verifierKey], quorum: 1))
        for (witnessing, verifies) in [(provider as (any WitnessedCheckpointProvider)?, true), (nil, false)] {
            try await Application(router: buildRouter(node: ledger.node, witnessing: witnessing)).test(.router) { client in
                let read = try auditor.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
                try await client.execute(uri: "/v1/audit/bundle", method: .post, body: ByteBuffer(bytes: read)) { response in
                    #expect(response.status == .ok)
                    #expect(await verifier.verify(json: Array(buffer: response.body)).failures.isEmpty == verifies)
                }
            }
        }
    }

    @Test("without witnesses, /checkpoint and /checkpoint/latest both serve the latest checkpoint")
    func unchangedWithoutWitnesses() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(2)
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            for uri in ["/checkpoint", "/checkpoint/latest"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(String(buffer: response.body) == ledger.node.checkpoint?.note.serialized)
                }
            }
        }
    }

    @Test("end to end in process: a node following a real witness server over HTTP serves cosigned checkpoints")
    func liveWitness() async throws {
        let ledger = try await TestLedger.make()
        let witness = try TemporaryWitness(logKeys: [ledger.node.verifierKey])
        defer { witness.remove() }
        let logger = Logger(label: "test.witness.live")
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildWitnessApplication(witness: witness.witness, host: "127.0.0.1", port: 0, logger: logger) { channel in
            continuation.yield(channel.localAddress?.port ?? 0)
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let server = Task { try await group.run() }
        defer { server.cancel() }
        var iterator = ports.makeAsyncIterator()
        let port = try #require(await iterator.next())

        let client = HTTPWitnessClient(submissionPrefix: "http://127.0.0.1:\(port)/")
        // The client maps each status: 200 to lines, 409 to the size, others to a failure.
        let first = try #require(ledger.node.checkpoint)
        guard case .cosignatures(let lines) = try await client.addCheckpoint(oldSize: 0, proof: [], checkpoint: first.note) else {
            Issue.record("not cosigned")
            return
        }
        #expect(witness.witness.verifierKey.cosignatureTime(on: SignedNote(text: first.note.text, signatures: lines)) != nil)
        try await ledger.appendPings(3)
        let latest = try #require(ledger.node.checkpoint)
        #expect(try await client.addCheckpoint(oldSize: 0, proof: [], checkpoint: latest.note) == .conflict(size: 1))
        guard case .failure = try await client.addCheckpoint(oldSize: 1, proof: [], checkpoint: latest.note) else {
            Issue.record("a bad proof was not a failure")
            return
        }

        var timing = CheckpointWitnessing.Timing()
        timing.pollInterval = .milliseconds(10)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: witness.witness.verifierKey, client: client)], quorum: 1, timing: timing
        )
        let following = Task { await witnessing.run() }
        defer { following.cancel() }
        try await ledger.appendPings(5)
        let deadline = ContinuousClock.now + .seconds(30)
        while witnessing.witnessedCheckpoint?.checkpoint.size != 9, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await Application(router: buildRouter(node: ledger.node, witnessing: witnessing)).test(.router) { http in
            try await http.execute(uri: "/checkpoint", method: .get) { response in
                let note = try SignedNote.parse(String(buffer: response.body))
                #expect(try Checkpoint.parse(note.text).size == 9)
                #expect(ledger.node.verifierKey.hasSigned(note))
                #expect(witness.witness.verifierKey.cosignatureTime(on: note) != nil)
            }
        }
        following.cancel()
        await group.triggerGracefulShutdown()
        _ = try? await server.value
    }
}
