import ArgumentParser
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger bench contracts`: a realistic mix of signed actions through the contracts, and the
/// time to read one record's audit trail of 10,000 events.
struct ContractBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Submit a realistic mix of actions (grants, records, views, appointments…) and time audit-trail reads."
    )

    @Option(name: .long, help: "Actions in the timed run.")
    var transactions: Int = 100_000

    @Option(name: .long, help: "Concurrent submitters.")
    var submitters: Int = 256

    @Option(name: .long, help: "Verified doctors in the population.")
    var doctors: Int = 100

    @Option(name: .long, help: "Patients in the population.")
    var patients: Int = 1_000

    @Option(name: .long, help: "Events in the audit trail whose reads are timed.")
    var trailEvents: Int = 10_000

    @Option(name: .long, help: "Timed trail reads.")
    var trailSamples: Int = 200

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard transactions >= 100, submitters > 0, doctors > 1, patients > 0, trailEvents > 0, trailSamples > 0 else {
            throw ValidationError("transactions must be at least 100; doctors at least 2; the other counts positive.")
        }
    }

    func run() async throws {
        let progress = Progress()
        let logger = makeLogger("medledger.bench", level: .warning)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = DataDirectory(path: path)
        let (initialised, keyPath, _) = try await initialise(directory, origin: "bench.medledger.localhost/log", adminKey: nil, adminName: "Bench", logger: logger)
        // The contracts alone: the documents the mix names are never stored, so the node's check of
        // the content store before sequencing (`bench blobs` times it) is left out.
        var contractsOnly = initialised
        contractsOnly.blobs = nil
        let node = contractsOnly
        let admin = EnvelopeSigner(key: try readKeyFile(keyPath!), origin: node.origin)
        let (bench, envelopes, expectedDenied) = try await ContractBenchmark.prepare(
            node: node, admin: admin, doctors: doctors, patients: patients, transactions: transactions
        ) { done, total in progress.show("preparing records", done, total) }

        let total = transactions
        let denied = Counter()
        let run = await LedgerBenchmark.run(
            envelopes: envelopes, options: .init(submitters: submitters, rate: 0),
            submit: { envelope in
                let receipt = try await node.submit(envelope)
                if receipt.contract?.allowed == false { denied.increment() }
            },
            progress: { progress.show("submitting", $0, total) }
        )
        var result = ContractBenchResult(transactions: transactions, submitters: submitters, doctors: doctors, patients: patients)
        result.record(run)
        result.denied = denied.value
        result.expected_denied = expectedDenied

        let (patient, record) = try await bench.recordWithTrail(events: trailEvents)
        let reads = try await bench.trailReadMillis(record: record, samples: trailSamples)
        result.trail_events = reads.events
        result.trail_read_p50_ms = reads.latencies.percentile(50)
        result.trail_read_p99_ms = reads.latencies.percentile(99)
        let queries = try await bench.trailQueryMillis(patient: patient, record: record, samples: min(trailSamples, 50))
        result.trail_query_p50_ms = queries.percentile(50)
        result.trail_query_p99_ms = queries.percentile(99)

        let store = SQLiteLedgerStore(database: try directory.openDatabase())
        let clock = ContinuousClock()
        let verifyElapsed = try await clock.measure {
            let report = try await LedgerVerifier(store: store, verifierKey: node.verifierKey).run()
            result.verified_entries = report.entries
        }
        result.verify_s = verifyElapsed.inSeconds

        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("""
                actions \(result.transactions) (\(result.denied) denied, \(result.expected_denied) planned; \(result.failed) failed) in \(String(format: "%.2f", result.seconds)) s
                tx_per_s \(Int(result.tx_per_s))  p50 \(String(format: "%.2f", result.p50_ms)) ms  p99 \(String(format: "%.2f", result.p99_ms)) ms
                trail of \(result.trail_events) events: read p99 \(String(format: "%.2f", result.trail_read_p99_ms)) ms, signed query p99 \(String(format: "%.2f", result.trail_query_p99_ms)) ms
                verify (with contract replay) of \(result.verified_entries) entries: \(String(format: "%.2f", result.verify_s)) s
                """)
        }
        if result.failed > 0 { throw CLIError("\(result.failed) submissions failed; first: \(result.first_error ?? "?")") }
        if result.denied != result.expected_denied {
            throw CLIError("\(result.denied) actions were denied but \(result.expected_denied) were planned to be")
        }
    }
}

/// The JSON `bench contracts` prints.
struct ContractBenchResult: Encodable {
    var transactions: Int
    var submitters: Int
    var doctors: Int
    var patients: Int
    var seconds = 0.0
    var accepted = 0
    var failed = 0
    var first_error: String?
    /// Actions the contracts denied (recorded and audited like the others).
    var denied = 0
    var expected_denied = 0
    var tx_per_s = 0.0
    var p50_ms = 0.0
    var p99_ms = 0.0
    var trail_events = 0
    /// Reading the whole trail from the audit log.
    var trail_read_p50_ms = 0.0
    var trail_read_p99_ms = 0.0
    /// A signed `audit.trail` query end to end: verified, sequenced and audited, then read.
    var trail_query_p50_ms = 0.0
    var trail_query_p99_ms = 0.0
    var verified_entries: UInt64 = 0
    /// `verify` of the whole resulting ledger, contract replay included.
    var verify_s = 0.0

    mutating func record(_ run: LedgerBenchmark.RunResult) {
        seconds = run.seconds
        accepted = run.accepted
        failed = run.failed
        first_error = run.firstError
        tx_per_s = run.throughput
        p50_ms = run.percentile(50)
        p99_ms = run.percentile(99)
    }
}
