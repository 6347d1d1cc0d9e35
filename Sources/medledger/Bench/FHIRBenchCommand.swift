import ArgumentParser
import MedLedgerBench

/// `medledger bench fhir`: the FHIR API as a SMART app uses it, with a token from the real OAuth
/// flow: reads at a fixed request rate (open loop) and a patient's bulk export.
struct FHIRBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fhir",
        abstract: "Load the FHIR API with a SMART app's token (open loop) and time a patient's $export.",
        discussion: """
            Self-contained: a fresh ledger, the full server on a free local port, a patient with --records records, \
            a registered app and a token obtained over HTTP (sign-in, authorise page, code, PKCE exchange). Then \
            GET /fhir/Patient/<id> and GET /fhir/DocumentReference?patient=<id> run one after another, each for \
            --warmup unmeasured and --duration measured seconds at each --rate, and one $export is timed from \
            kick-off to the complete manifest. The result is one JSON object on standard output.
            """
    )

    private static let defaults = FHIRBench(ledgers: CLIBenchLedgers())

    @Option(name: .long, parsing: .upToNextOption, help: "Requests per second; several values run every target at each rate.")
    var rate: [Int] = defaults.rate

    @Option(name: .long, help: "Measured seconds per target and rate.")
    var duration: Double = defaults.duration

    @Option(name: .long, help: "Unmeasured seconds at the same rate before each measurement.")
    var warmup: Double = defaults.warmup

    @Option(name: .long, help: "Keep-alive HTTP/1.1 connections the requests are spread over.")
    var connections: Int = defaults.connections

    @Option(name: .long, help: "Records the patient holds; the export reads them all.")
    var records: Int = defaults.records

    @Option(name: .long, help: "The p99 target in milliseconds that `meets_target` checks.")
    var p99Target: Double = defaults.p99Target

    @Option(name: .long, help: "The export target in milliseconds, kick-off to complete manifest.")
    var exportTarget: Double = defaults.exportTarget

    @Option(name: .long, help: "Seconds to wait for answers still outstanding after the last scheduled request; later ones count as errors.")
    var drain: Double = defaults.drain

    @Flag(name: .long, help: "Measure the reads only, not the export.")
    var skipExport = false

    @Option(name: .long, help: "Use this new data directory instead of a temporary one (kept afterwards).")
    var data: String?

    @Flag(name: .long, help: "Accepted for symmetry with the other benchmarks; the output is always JSON.")
    var json = false

    func validate() throws {
        guard !rate.isEmpty, rate.allSatisfy({ $0 > 0 && $0 <= 1_000_000 }) else { throw ValidationError("--rate must be 1 to 1,000,000.") }
        guard duration > 0, warmup >= 0, drain >= 0, (1...10_000).contains(connections), (1...1_000_000).contains(records) else {
            throw ValidationError("--duration must be positive, --warmup and --drain not negative, --connections 1 to 10,000, --records 1 to 1,000,000.")
        }
        guard p99Target > 0, exportTarget > 0 else { throw ValidationError("targets must be positive.") }
    }

    func run() async throws {
        var bench = FHIRBench(ledgers: CLIBenchLedgers())
        bench.rate = rate
        bench.duration = duration
        bench.warmup = warmup
        bench.connections = connections
        bench.records = records
        bench.p99Target = p99Target
        bench.exportTarget = exportTarget
        bench.drain = drain
        bench.skipExport = skipExport
        bench.data = data
        try printJSON(try await bench.run())
    }
}
