import Crypto
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import ServiceLifecycle

/// What ``measureWitnessRoundTrips(count:logger:)`` measured: the time of one add-checkpoint
/// round trip (request out, proof checked, record fsynced, cosignature back), in milliseconds.
public struct WitnessBenchFigures: Encodable, Sendable {
    var count: Int
    var p50_ms: Double
    var p90_ms: Double
    var p99_ms: Double
    var max_ms: Double
}

/// Times `count` witness round trips as a node makes them: a witness server on loopback (a fresh
/// temporary directory, so every record write is a real atomic replace), a ledger in memory that
/// grows by one entry before each call, and ``HTTPWitnessClient`` sending each new checkpoint with
/// the consistency proof from the previous one over a kept-alive connection.
public func measureWitnessRoundTrips(count: Int, logger: Logger) async throws -> WitnessBenchFigures {
    precondition(count > 0, "measure at least one round trip")
    let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-witness-bench-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: temporary) }

    // The ledger: in memory, with its genesis entry.
    let signingKey = NoteSigningKey(name: "bench.medledger.localhost/log", privateKey: Curve25519.Signing.PrivateKey())
    let node = try await LedgerNode.open(store: SQLiteLedgerStore(database: try LedgerDatabase.inMemory()), signingKey: signingKey, logger: logger)
    let admin = EnvelopeSigner(key: P256.Signing.PrivateKey(), origin: signingKey.name)
    _ = try await node.submit(try admin.sign(
        GenesisBody(origin: signingKey.name, admin: admin.payloadKey, adminName: "Bench", service: node.service.payloadKey), expires: LedgerNode.systemClock() + 60_000
    ))

    // The witness: its own directory, serving on a free loopback port.
    let directory = WitnessDirectory(path: temporary.path)
    _ = try directory.initialise(name: "bench.witness.localhost/w", logKeys: [node.verifierKey])
    let witness = try FileWitness(directory: directory)
    let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
    var quiet = logger
    quiet.logLevel = .warning
    let app = buildWitnessApplication(witness: witness, host: "127.0.0.1", port: 0, logger: quiet) { channel in
        portContinuation.yield(channel.localAddress?.port ?? 0)
        portContinuation.finish()
    }
    let group = ServiceGroup(configuration: .init(services: [app], logger: quiet))
    let server = Task { try await group.run() }
    defer { server.cancel() }
    var iterator = ports.makeAsyncIterator()
    guard let port = await iterator.next(), port > 0 else { throw BenchError("the witness server did not start") }

    let client = HTTPWitnessClient(submissionPrefix: "http://127.0.0.1:\(port)")
    var cosignedSize: UInt64 = 0
    var latencies: [Double] = []
    latencies.reserveCapacity(count)
    // One untimed call first: it opens the connection and gives the witness its first record.
    for round in 0...count {
        _ = try await node.ping()
        guard let checkpoint = node.checkpoint else { throw BenchError("the ledger has no checkpoint") }
        let size = checkpoint.checkpoint.size
        let proof = try await node.consistencyProof(from: cosignedSize, to: size)
        let start = ContinuousClock.now
        let answer = try await client.addCheckpoint(oldSize: cosignedSize, proof: proof, checkpoint: checkpoint.note)
        let elapsed = ContinuousClock.now - start
        guard case .cosignatures(let lines) = answer,
            lines.contains(where: { witness.verifierKey.cosignatureTime(on: SignedNote(text: checkpoint.note.text, signatures: [$0])) != nil })
        else { throw BenchError("the witness did not cosign size \(size): \(answer)") }
        cosignedSize = size
        if round > 0 {
            latencies.append(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15)
        }
    }
    await group.triggerGracefulShutdown()
    _ = try? await server.value
    latencies.sort()
    return WitnessBenchFigures(
        count: count, p50_ms: latencies.percentile(50), p90_ms: latencies.percentile(90), p99_ms: latencies.percentile(99),
        max_ms: latencies.last ?? 0
    )
}
