import ArgumentParser
import MedLedgerBench

/// `medledger bench http`: loads the read pages and API endpoints over HTTP at a fixed arrival
/// rate (open loop) and measures latency from each request's scheduled send time.
///
/// By default it is self-contained: a fresh ledger, the full server (API and web application) on
/// a free local port, a patient with a password credential and records, signed in over HTTP like a
/// browser. `--url` loads a server that is already running instead.
struct HTTPBenchCommand: AsyncParsableCommand, OpenLoopDefaults {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Load pages and API endpoints at a fixed request rate and measure latency (open loop).",
        discussion: """
            Targets run one after another, each for --warmup unmeasured seconds and then --duration measured \
            seconds at each --rate. Latency counts from each request's scheduled send time, so waiting for a free \
            connection counts too. The result is one JSON object on standard output.
            """
    )

    static let defaults = HTTPBench(ledgers: CLIBenchLedgers())

    @OptionGroup var load: OpenLoopOptions<HTTPBenchCommand>

    @Option(name: .long, parsing: .upToNextOption, help: "Paths to load instead of the default set; {record} stands for a record of the signed-in patient.")
    var paths: [String] = []

    @Option(name: .long, help: "Use this data directory (initialised if it is not) instead of a temporary one; the benchmark adds a patient to it.")
    var data: String?

    @Option(name: .long, help: "Load a running server instead (http://host:port); public endpoints only unless --username and --password are given.")
    var url: String?

    @Option(name: .long, help: "With --url: sign in as this user for the signed-in pages.")
    var username: String?

    @Option(name: .long, help: "With --url: the user's password.")
    var password: String?

    @Option(name: .long, help: "The record {record} stands for (default: the benchmark patient's first record, or with --url the first one /patient/records links to).")
    var record: String?

    @Option(name: .long, help: "Records the benchmark patient adds (self-contained mode).")
    var records: Int = defaults.records

    @Flag(name: .long, help: "Abuse mode: anonymous clients hammer sign-up and log-in while /checkpoint and a signed-in page are measured (self-contained only).")
    var abuse = false

    @Option(name: .long, help: "With --abuse: how many anonymous clients hammer sign-up and log-in.")
    var abuseClients: Int = defaults.abuseClients

    @Option(name: .long, help: "With --abuse: measured requests per second in total, half to /checkpoint and half to the signed-in page.")
    var abuseRate: Int = defaults.abuseRate

    @Flag(name: .long, help: "Accepted for symmetry with the other benchmarks; the output is always JSON.")
    var json = false

    func validate() throws {
        guard (1...1_000_000).contains(records) else { throw ValidationError("--records must be 1 to 1,000,000.") }
        guard data == nil || url == nil else { throw ValidationError("use --data or --url, not both.") }
        guard (username == nil) == (password == nil) else { throw ValidationError("--username and --password go together.") }
        guard url != nil || username == nil else { throw ValidationError("--username and --password are for --url; the self-contained run makes its own patient.") }
        for path in paths where !path.hasPrefix("/") { throw ValidationError("paths start with '/': \(path)") }
        guard !abuse || url == nil else { throw ValidationError("--abuse runs its own server; it cannot be used with --url.") }
        guard (1...1_000).contains(abuseClients), (2...100_000).contains(abuseRate) else {
            throw ValidationError("--abuse-clients must be 1 to 1000 and --abuse-rate 2 to 100000.")
        }
    }

    func run() async throws {
        var bench = HTTPBench(ledgers: CLIBenchLedgers())
        load.apply(to: &bench)
        bench.paths = paths
        bench.data = data
        bench.url = url
        bench.username = username
        bench.password = password
        bench.record = record
        bench.records = records
        bench.abuseClients = abuseClients
        bench.abuseRate = abuseRate
        if abuse {
            try printJSON(try await bench.runAbuse())
        } else {
            try printJSON(try await bench.run())
        }
    }
}
