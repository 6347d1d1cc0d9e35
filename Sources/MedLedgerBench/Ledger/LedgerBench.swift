import Foundation
import Logging
import MedLedgerClient
import MedLedgerCore
import MedLedgerNode

/// `medledger bench ledger`: sequencer throughput and latency, then proof and reopen times, on a
/// fresh temporary ledger, a given data directory, or a running node over HTTP.
public struct LedgerBench: RunsInContext, Sendable {
    /// What to run; the command-line options map one to one.
    public struct Configuration: Sendable {
        public var transactions = 100_000
        public var submitters = 256
        /// Submissions per second; 0 submits as fast as possible.
        public var rate = 0
        /// An initialised data directory to fill instead of a temporary ledger.
        public var data: String?
        /// Entries appended, untimed, before the timed run.
        public var prefill = 0
        /// Which store the ledger is kept in ("sqlite" or "postgres"), as reported.
        public var store = "sqlite"

        public init() {}
    }

    /// A running node to load instead: its base URL and the node's service key (only the
    /// operator may append pings), with the ledger's origin.
    public struct Remote: Sendable {
        public var client: MedLedgerClient
        public var signer: EnvelopeSigner

        public init(client: MedLedgerClient, signer: EnvelopeSigner) {
            self.client = client
            self.signer = signer
        }
    }

    let configuration: Configuration
    let context: BenchContext

    public init(configuration: Configuration, context: BenchContext) { (self.configuration, self.context) = (configuration, context) }

    private var options: LedgerBenchmark.Options { .init(submitters: configuration.submitters, rate: configuration.rate) }
    private var expires: Int64 { LedgerNode.systemClock() + 23 * 3600 * 1000 }

    private func presign(signer: EnvelopeSigner) async throws -> [[UInt8]] {
        let total = configuration.transactions
        let progress = progress
        return try await LedgerBenchmark.presign(count: total, signer: signer, expires: expires) { progress.show("signing", $0, total) }
    }

    /// Loads a running node over HTTP: throughput and latency only.
    public func run(against remote: Remote) async throws -> LedgerBenchReport {
        var report = LedgerBenchReport(configuration)
        let envelopes = try await presign(signer: remote.signer)
        let client = remote.client
        let total = configuration.transactions
        let progress = progress
        let run = await LedgerBenchmark.run(envelopes: envelopes, options: options, submit: { envelope in
            guard case .sequenced = try await client.submit(envelope) else { throw BenchError("a ping was denied") }
        }, progress: { progress.show("submitting", $0, total) })
        report.record(run)
        return report
    }

    /// Runs on a local ledger: throughput, the verifier's ceiling, proofs and reopening.
    public func run() async throws -> LedgerBenchReport {
        var report = LedgerBenchReport(configuration)
        let temporary = configuration.data == nil
        let path = configuration.data
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { if temporary { try? FileManager.default.removeItem(atPath: path) } }
        var node = try await (temporary ? ledgers.initialise(path: path, logger: logger) : ledgers.open(path: path, logger: logger)).node
        let envelopes = try await presign(signer: node.service)
        // The node runs as a service while entries are submitted from many tasks, as under `serve`.
        let running = node
        report = try await running.whileRunning { [report] in
            var report = report
            if configuration.prefill > 0 {
                try await fill(node: running, count: configuration.prefill)
            }
            report.verify_per_s = try await LedgerBenchmark.verificationRate(
                envelopes: Array(envelopes.prefix(20_000)), verifier: EnvelopeVerifier(registry: ContractEngine.registry, origin: running.origin),
                now: LedgerNode.systemClock())
            let submitNode = running
            let total = configuration.transactions
            let progress = progress
            let run = await LedgerBenchmark.run(envelopes: envelopes, options: options, submit: { envelope in
                _ = try await submitNode.submit(envelope)
            }, progress: { progress.show("submitting", $0, total) })
            report.record(run)
            return report
        }
        let finalSize = node.size
        report.tree_size = finalSize
        let proofs = try await LedgerBenchmark.proofMicroseconds(node: node, samples: 2_000)
        report.proof_us = proofs.repeated
        report.proof_first_touch_us = proofs.first

        // Reopen: a fresh database handle, head read and node start, as after a restart.
        let clock = ContinuousClock()
        let opened = try await clock.measure {
            node = try await ledgers.open(path: path, logger: logger).node
        }
        report.open_ms = opened.inSeconds * 1e3
        guard node.size == finalSize else { throw BenchError("reopened ledger has size \(node.size), expected \(finalSize)") }
        return report
    }

    /// Appends `count` entries in chunks through the normal submission path, untimed.
    private func fill(node: LedgerNode, count: Int) async throws {
        let chunk = 100_000
        var done = 0
        while done < count {
            let n = min(chunk, count - done)
            let envelopes = try await LedgerBenchmark.presign(count: n, signer: node.service, expires: expires)
            let run = await LedgerBenchmark.run(
                envelopes: envelopes, options: .init(submitters: 512, rate: 0),
                submit: { _ = try await node.submit($0) }
            )
            guard run.failed == 0 else { throw BenchError("prefill failed: \(run.firstError ?? "unknown")") }
            done += n
            progress.show("prefilling", done, count)
        }
    }
}
