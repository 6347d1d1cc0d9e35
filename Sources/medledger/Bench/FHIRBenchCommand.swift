import ArgumentParser
import MedLedgerBench

/// `medledger bench fhir`: the FHIR API as a SMART app uses it, with a token from the real OAuth
/// flow: reads at a fixed request rate (open loop) and a patient's bulk export.
struct FHIRBenchCommand: AsyncParsableCommand, OpenLoopDefaults {
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

    static let defaults = FHIRBench(ledgers: CLIBenchLedgers())

    @OptionGroup var load: OpenLoopOptions<FHIRBenchCommand>

    @Option(name: .long, help: "Records the patient holds; the export reads them all.")
    var records: Int = defaults.records

    @Option(name: .long, help: "The export target in milliseconds, kick-off to complete manifest.")
    var exportTarget: Double = defaults.exportTarget

    @Flag(name: .long, help: "Measure the reads only, not the export.")
    var skipExport = false

    @Option(name: .long, help: "Use this new data directory instead of a temporary one (kept afterwards).")
    var data: String?

    @Flag(name: .long, help: "Accepted for symmetry with the other benchmarks; the output is always JSON.")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(records) else { throw ValidationError("--records must be 1 to 1,000,000.") }
        guard exportTarget > 0 else { throw ValidationError("--export-target must be positive.") }
    }

    func run() async throws {
        var bench = FHIRBench(ledgers: CLIBenchLedgers())
        load.apply(to: &bench)
        bench.records = records
        bench.exportTarget = exportTarget
        bench.skipExport = skipExport
        bench.data = data
        try printJSON(try await bench.run())
    }
}
