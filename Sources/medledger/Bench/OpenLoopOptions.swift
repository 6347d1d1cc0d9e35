import ArgumentParser
import MedLedgerBench

/// Where an open-loop benchmark command takes its defaults from.
protocol OpenLoopDefaults {
    associatedtype Bench: OpenLoopBench
    static var defaults: Bench { get }
}

/// The load options of `bench http` and `bench fhir`, with each command's own defaults, checked
/// once here.
struct OpenLoopOptions<Defaults: OpenLoopDefaults>: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Requests per second; several values run every target at each rate.")
    var rate: [Int] = Defaults.defaults.rate

    @Option(name: .long, help: "Measured seconds per target and rate.")
    var duration: Double = Defaults.defaults.duration

    @Option(name: .long, help: "Unmeasured seconds at the same rate before each measurement.")
    var warmup: Double = Defaults.defaults.warmup

    @Option(name: .long, help: "Keep-alive HTTP/1.1 connections the requests are spread over.")
    var connections: Int = Defaults.defaults.connections

    @Option(name: .long, help: "The p99 target in milliseconds that `meets_target` checks.")
    var p99Target: Double = Defaults.defaults.p99Target

    @Option(name: .long, help: "Seconds to wait for answers still outstanding after the last scheduled request; later ones count as errors.")
    var drain: Double = Defaults.defaults.drain

    func validate() throws {
        guard !rate.isEmpty, rate.allSatisfy({ $0 > 0 && $0 <= 1_000_000 }) else { throw ValidationError("--rate must be 1 to 1,000,000.") }
        guard duration > 0, duration <= 86_400, warmup >= 0, warmup <= 86_400, drain >= 0, drain <= 3_600 else {
            throw ValidationError("--duration must be positive, --warmup and --drain not negative (at most a day, and an hour for --drain).")
        }
        guard (1...10_000).contains(connections) else { throw ValidationError("--connections must be 1 to 10,000.") }
        guard p99Target > 0 else { throw ValidationError("--p99-target must be positive.") }
    }

    /// Sets these options on `bench`.
    func apply<Bench: OpenLoopBench>(to bench: inout Bench) {
        bench.rate = rate
        bench.duration = duration
        bench.warmup = warmup
        bench.connections = connections
        bench.p99Target = p99Target
        bench.drain = drain
    }
}
