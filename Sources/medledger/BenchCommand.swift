import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger bench …`: benchmarks that print JSON.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark and print its figures.",
        subcommands: [LedgerBenchCommand.self, ContractBenchCommand.self, HTTPBenchCommand.self, BlobBenchCommand.self, AuditBenchCommand.self]
    )
}

/// `medledger bench ledger`: sequencer throughput, latency, proof and open times.
struct LedgerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Sign N envelopes beforehand, submit them concurrently, and measure the ledger."
    )

    @Option(name: .long, help: "Transactions to submit.")
    var transactions: Int = 100_000

    @Option(name: .long, help: "Concurrent submitters.")
    var submitters: Int = 256

    @Option(name: .long, help: "With --url: key file of the node's service key (`medledger keys --node-service`); only the node's operator may append pings.")
    var serviceKey: String?

    @Option(name: .long, help: "Target submissions per second (0: as fast as possible).")
    var rate: Int = 0

    @Option(name: .long, help: "Fill this initialised data directory instead of a fresh temporary ledger.")
    var data: String?

    @Option(name: .long, help: "Load a running node over HTTP instead (e.g. http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .long, help: "Entries to append (untimed) before the timed run, to measure proofs and opening at scale.")
    var prefill: Int = 0

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard transactions > 0, submitters > 0, rate >= 0, prefill >= 0 else {
            throw ValidationError("transactions and submitters must be positive; rate and prefill not negative.")
        }
        guard data == nil || url == nil else { throw ValidationError("use --data or --url, not both.") }
        guard (url == nil) == (serviceKey == nil) else { throw ValidationError("--service-key goes with --url, and --url needs it.") }
        guard url == nil || prefill == 0 else { throw ValidationError("--prefill fills a local ledger; it cannot be used with --url.") }
    }

    func run() async throws {
        let progress = Progress()
        let logger = makeLogger("medledger.bench", level: .warning)
        let options = LedgerBenchmark.Options(submitters: submitters, rate: rate)
        let expires = LedgerNode.systemClock() + 23 * 3600 * 1000
        let total = transactions
        @Sendable func presign(signer: EnvelopeSigner) async throws -> [[UInt8]] {
            try await LedgerBenchmark.presign(count: total, signer: signer, expires: expires) {
                progress.show("signing", $0, total)
            }
        }
        var result = BenchResult(transactions: transactions, submitters: submitters, rate_target: rate)

        if let url, let serviceKey {
            guard let base = URL(string: url) else { throw ValidationError("--url is not a URL") }
            let signer = EnvelopeSigner(key: try readKeyFile(serviceKey), origin: try await NodeClient(url: url).origin())
            let envelopes = try await presign(signer: signer)
            let endpoint = base.appendingPathComponent("v1/transactions")
            let session = URLSession(configuration: .ephemeral)
            let run = await LedgerBenchmark.run(envelopes: envelopes, options: options, submit: { envelope in
                var request = URLRequest(url: endpoint)
                request.httpMethod = "POST"
                request.setValue("application/json", forHTTPHeaderField: "Content-Type")
                request.httpBody = Data(envelope)
                let (_, response) = try await session.data(for: request)
                guard let http = response as? HTTPURLResponse, http.statusCode == 201 else {
                    throw CLIError("HTTP \((response as? HTTPURLResponse)?.statusCode ?? 0)")
                }
            }, progress: { progress.show("submitting", $0, total) })
            result.record(run)
            return try emit(result)
        }

        let temporary = data == nil
        let path = data ?? FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: path) } }
        let directory = DataDirectory(path: path)
        var node: LedgerNode
        if temporary {
            node = try await initialise(directory, origin: "bench.medledger.localhost/log", adminKey: nil, adminName: "Bench", logger: logger).0
        } else {
            node = try await openNode(directory, logger: logger)
        }
        let envelopes = try await presign(signer: node.service)
        if prefill > 0 {
            try await fill(node: node, count: prefill, expires: expires, progress: progress)
        }
        result.verify_per_s = try await LedgerBenchmark.verificationRate(
            envelopes: Array(envelopes.prefix(20_000)), verifier: node.verifier, now: LedgerNode.systemClock())
        let submitNode = node
        let run = await LedgerBenchmark.run(envelopes: envelopes, options: options, submit: { envelope in
            _ = try await submitNode.submit(envelope)
        }, progress: { progress.show("submitting", $0, total) })
        result.record(run)
        let finalSize = node.size
        result.tree_size = finalSize
        let proofs = try await LedgerBenchmark.proofMicroseconds(node: node, samples: 2_000)
        result.proof_us = proofs.repeated
        result.proof_first_touch_us = proofs.first

        // Reopen: a fresh database handle, head read and node start, as after a restart.
        let clock = ContinuousClock()
        let opened = try await clock.measure {
            node = try await openNode(directory, logger: logger)
        }
        result.open_ms = opened.inSeconds * 1e3
        guard node.size == finalSize else { throw CLIError("reopened ledger has size \(node.size), expected \(finalSize)") }
        try emit(result)
    }

    /// Appends `count` entries in chunks through the normal submission path, untimed.
    private func fill(node: LedgerNode, count: Int, expires: Int64, progress: Progress) async throws {
        let chunk = 100_000
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let envelopes = try await LedgerBenchmark.presign(count: n, signer: node.service, expires: expires)
            let run = await LedgerBenchmark.run(
                envelopes: envelopes, options: .init(submitters: 512, rate: 0),
                submit: { _ = try await node.submit($0) }
            )
            guard run.failed == 0 else { throw CLIError("prefill failed: \(run.firstError ?? "unknown")") }
            done += n
            progress.show("prefilling", done, count)
        }
    }

    private func emit(_ result: BenchResult) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("""
                transactions \(result.transactions) (\(result.failed) failed) in \(String(format: "%.2f", result.seconds)) s
                tx_per_s \(Int(result.tx_per_s))  p50 \(String(format: "%.2f", result.p50_ms)) ms  p99 \(String(format: "%.2f", result.p99_ms)) ms
                """)
            if let proof = result.proof_us, let open = result.open_ms, let size = result.tree_size {
                print("proof \(String(format: "%.1f", proof)) µs at size \(size)  open \(String(format: "%.1f", open)) ms")
            }
        }
        if result.failed > 0 { throw CLIError("\(result.failed) submissions failed; first: \(result.first_error ?? "?")") }
    }
}

/// The JSON `bench ledger` prints.
struct BenchResult: Encodable {
    var transactions: Int
    var submitters: Int
    var rate_target: Int
    var seconds = 0.0
    var accepted = 0
    var failed = 0
    var first_error: String?
    var tx_per_s = 0.0
    /// Envelopes per second the verifier alone checks on every core (the throughput ceiling).
    var verify_per_s: Double?
    var p50_ms = 0.0
    var p90_ms = 0.0
    var p99_ms = 0.0
    var max_ms = 0.0
    /// Local runs only (absent with --url): proof and reopen figures at the final tree size.
    var proof_us: Double?
    /// The same proofs' first pass, when their pages may still be on disk.
    var proof_first_touch_us: Double?
    var open_ms: Double?
    var tree_size: UInt64?

    mutating func record(_ run: LedgerBenchmark.RunResult) {
        seconds = run.seconds
        accepted = run.accepted
        failed = run.failed
        first_error = run.firstError
        tx_per_s = run.throughput
        p50_ms = run.percentile(50)
        p90_ms = run.percentile(90)
        p99_ms = run.percentile(99)
        max_ms = run.latencies.last ?? 0
    }
}
