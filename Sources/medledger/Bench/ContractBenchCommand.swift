import ArgumentParser
import MedLedgerBench

/// `medledger bench contracts`: a realistic mix of signed actions through the contracts, and the
/// time to read one record's audit trail of 10,000 events.
struct ContractBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contracts",
        abstract: "Submit a realistic mix of actions (grants, records, views, appointments…) and time audit-trail reads."
    )

    private static let defaults = ContractBench.Configuration()

    @Option(name: .long, help: "Actions in the timed run.")
    var transactions: Int = defaults.transactions

    @Option(name: .long, help: "Concurrent submitters.")
    var submitters: Int = defaults.submitters

    @Option(name: .long, help: "Verified doctors in the population.")
    var doctors: Int = defaults.doctors

    @Option(name: .long, help: "Patients in the population.")
    var patients: Int = defaults.patients

    @Option(name: .long, help: "Events in the audit trail whose reads are timed.")
    var trailEvents: Int = defaults.trailEvents

    @Option(name: .long, help: "Timed trail reads.")
    var trailSamples: Int = defaults.trailSamples

    @Option(name: .long, help: "Keep the benchmark's ledger in this PostgreSQL database (it must hold no ledger): postgres://USER@HOST:PORT/DATABASE?sslmode=…; password from MEDLEDGER_PG_PASSWORD.")
    var store: String?

    @Option(name: .long, help: "File holding the --store password (first line).")
    var storePasswordFile: String?

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard transactions >= 100, submitters > 0, doctors > 1, patients > 0, trailEvents > 0, trailSamples > 0 else {
            throw ValidationError("transactions must be at least 100; doctors at least 2; the other counts positive.")
        }
    }

    func run() async throws {
        var configuration = ContractBench.Configuration()
        configuration.transactions = transactions
        configuration.submitters = submitters
        configuration.doctors = doctors
        configuration.patients = patients
        configuration.trailEvents = trailEvents
        configuration.trailSamples = trailSamples
        if store != nil { configuration.store = "postgres" }
        let report = try await withBenchStore(store, passwordFile: storePasswordFile) { shared in
            try await ContractBench(configuration: configuration, context: .command(shared: shared)).run()
        }
        if json { try printJSON(report) } else { print(report.summary) }
        if report.failed > 0 { throw CLIError("\(report.failed) submissions failed; first: \(report.first_error ?? "?")") }
        if report.denied != report.expected_denied {
            throw CLIError("\(report.denied) actions were denied but \(report.expected_denied) were planned to be")
        }
    }
}
