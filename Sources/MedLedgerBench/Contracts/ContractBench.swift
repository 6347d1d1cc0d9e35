import Foundation
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger bench contracts`: a realistic mix of signed actions through the contracts on a fresh
/// ledger, the time to read one record's audit trail, and `verify` of the result.
public struct ContractBench: RunsInContext, Sendable {
    /// What to run; the command-line options map one to one.
    public struct Configuration: Sendable {
        public var transactions = 100_000
        public var submitters = 256
        public var doctors = 100
        public var patients = 1_000
        /// Events in the audit trail whose reads are timed.
        public var trailEvents = 10_000
        public var trailSamples = 200
        /// Which store the ledger is kept in ("sqlite" or "postgres"), as reported.
        public var store = "sqlite"

        public init() {}
    }

    let configuration: Configuration
    let context: BenchContext

    public init(configuration: Configuration, context: BenchContext) { (self.configuration, self.context) = (configuration, context) }

    public func run() async throws -> ContractBenchReport {
        let configuration = configuration
        let progress = progress
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let initialised = try await ledgers.initialise(path: path, logger: logger)
        guard let adminKey = initialised.admin else { throw BenchError("the new ledger has no administrator key file") }
        // The contracts alone: the documents the mix names are never stored, so the node's check of
        // the content store before sequencing (`bench blobs` times it) is left out.
        let node = initialised.node.withoutContent()
        let admin = EnvelopeSigner(key: adminKey, origin: node.origin)
        // The node runs as a service while the mix is submitted from many tasks, as under `serve`
        // (and as a node on a shared store must, to hold the sequencer lease).
        var report = try await initialised.node.whileRunning {
            let (bench, envelopes, expectedDenied) = try await ContractBenchmark.prepare(
                node: node, admin: admin, doctors: configuration.doctors, patients: configuration.patients,
                transactions: configuration.transactions
            ) { done, total in progress.show("preparing records", done, total) }

            let total = configuration.transactions
            let denied = Counter()
            let run = await LedgerBenchmark.run(
                envelopes: envelopes, options: .init(submitters: configuration.submitters, rate: 0),
                submit: { envelope in
                    let receipt = try await node.submit(envelope)
                    if receipt.contract?.allowed == false { denied.increment() }
                },
                progress: { progress.show("submitting", $0, total) }
            )
            var report = ContractBenchReport(configuration)
            report.record(run)
            report.denied = denied.value
            report.expected_denied = expectedDenied

            let (patient, record) = try await bench.recordWithTrail(events: configuration.trailEvents)
            let reads = try await bench.trailReadMillis(record: record, samples: configuration.trailSamples)
            report.trail_events = reads.events
            report.trail_read_p50_ms = reads.latencies.percentile(50)
            report.trail_read_p99_ms = reads.latencies.percentile(99)
            let queries = try await bench.trailQueryMillis(patient: patient, record: record, samples: min(configuration.trailSamples, 50))
            report.trail_query_p50_ms = queries.percentile(50)
            report.trail_query_p99_ms = queries.percentile(99)
            return report
        }

        let store = initialised.storage.ledger
        let clock = ContinuousClock()
        let verifyElapsed = try await clock.measure {
            let verification = try await LedgerVerifier(store: store, verifierKey: node.verifierKey).run()
            report.verified_entries = verification.entries
        }
        report.verify_s = verifyElapsed.inSeconds
        return report
    }
}
