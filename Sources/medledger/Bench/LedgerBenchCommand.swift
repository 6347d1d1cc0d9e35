import ArgumentParser
import Foundation
import MedLedgerBench
import MedLedgerClient
import MedLedgerCore

/// `medledger bench ledger`: sequencer throughput, latency, proof and open times.
struct LedgerBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Sign N envelopes beforehand, submit them concurrently, and measure the ledger."
    )

    private static let defaults = LedgerBench.Configuration()

    @Option(name: .long, help: "Transactions to submit.")
    var transactions: Int = defaults.transactions

    @Option(name: .long, help: "Concurrent submitters.")
    var submitters: Int = defaults.submitters

    @Option(name: .long, help: "With --url: key file of the node's service key (`medledger keys --node-service`); only the node's operator may append pings.")
    var serviceKey: String?

    @Option(name: .long, help: "Target submissions per second (0: as fast as possible).")
    var rate: Int = defaults.rate

    @Option(name: .long, help: "Fill this initialised data directory instead of a fresh temporary ledger.")
    var data: String?

    @Option(name: .long, help: "Load a running node over HTTP instead (e.g. http://127.0.0.1:8080).")
    var url: String?

    @Option(name: .long, help: "Entries to append (untimed) before the timed run, to measure proofs and opening at scale.")
    var prefill: Int = defaults.prefill

    @Option(name: .long, help: "Keep the benchmark's ledger in this PostgreSQL database (it must hold no ledger), as several nodes would: postgres://USER@HOST:PORT/DATABASE?sslmode=…; password from MEDLEDGER_PG_PASSWORD.")
    var store: String?

    @Option(name: .long, help: "File holding the --store password (first line).")
    var storePasswordFile: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard transactions > 0, submitters > 0, rate >= 0, prefill >= 0 else {
            throw ValidationError("transactions and submitters must be positive; rate and prefill not negative.")
        }
        guard data == nil || url == nil else { throw ValidationError("use --data or --url, not both.") }
        guard (url == nil) == (serviceKey == nil) else { throw ValidationError("--service-key goes with --url, and --url needs it.") }
        guard url == nil || prefill == 0 else { throw ValidationError("--prefill fills a local ledger; it cannot be used with --url.") }
        guard store == nil || (url == nil && data == nil) else { throw ValidationError("--store makes a fresh ledger; it goes without --url and --data.") }
    }

    func run() async throws {
        var configuration = LedgerBench.Configuration()
        configuration.transactions = transactions
        configuration.submitters = submitters
        configuration.rate = rate
        configuration.data = data
        configuration.prefill = prefill
        if store != nil { configuration.store = "postgres" }
        try await withBenchStore(store, passwordFile: storePasswordFile) { shared in
            try await run(LedgerBench(configuration: configuration, context: .command(shared: shared)))
        }
    }

    func run(_ bench: LedgerBench) async throws {
        let report: LedgerBenchReport
        if let url, let serviceKey {
            let node: MedLedgerClient
            do { node = try MedLedgerClient(url: url) } catch { throw ValidationError("--url must be an http or https URL.") }
            let signer = EnvelopeSigner(key: try readKeyFile(serviceKey), origin: try await node.origin())
            report = try await bench.run(against: .init(client: node, signer: signer))
        } else {
            report = try await bench.run()
        }
        if json { try printJSON(report) } else { print(report.summary) }
        if report.failed > 0 { throw CLIError("\(report.failed) submissions failed; first: \(report.first_error ?? "?")") }
    }
}
