import ArgumentParser
import MedLedgerBench

/// `medledger bench audit`: the auditor's tools at scale (docs/BENCHMARKS.md).
struct AuditBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Time the tally check of a record with many versions and the verification of a large audit bundle."
    )

    private static let defaults = AuditBench.Configuration()

    @Option(name: .long, help: "Versions of the tallied record.")
    var versions: Int = defaults.versions

    @Option(name: .long, help: "Events in the verified bundle.")
    var events: Int = defaults.events

    @Option(name: .long, help: "Witness cosigning round trips to time.")
    var witnessCalls: Int = defaults.witnessCalls

    @Option(name: .long, help: "Timed repetitions of each measurement (the median is reported).")
    var runs: Int = defaults.runs

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard versions >= 1, events >= 1, runs >= 1, witnessCalls >= 1 else {
            throw ValidationError("versions, events, witness calls and runs must be positive.")
        }
    }

    func run() async throws {
        var configuration = AuditBench.Configuration()
        configuration.versions = versions
        configuration.events = events
        configuration.witnessCalls = witnessCalls
        configuration.runs = runs
        let report = try await AuditBench(
            configuration: configuration, context: .command
        ).run()
        if json { try printJSON(report) } else { print(report.summary) }
    }
}
