import Foundation

/// The JSON `bench http` prints.
public struct HTTPBenchResult: Encodable, Sendable {
    typealias Settings = OpenLoopSettings

    /// "in-process" (server started by the benchmark) or "url".
    var mode: String
    var url: String
    var settings: Settings
    var machine = MachineInfo()
    var notes: [String] = []
    var targets: [HTTPTargetResult] = []
}

/// The load settings of an open-loop run, as `bench http` and `bench fhir` print them.
struct OpenLoopSettings: Encodable {
    var rates: [Int]
    var duration_s: Double
    var warmup_s: Double
    var drain_s: Double
    var connections: Int
    var p99_target_ms: Double

    init(_ bench: some OpenLoopBench) {
        (rates, duration_s, warmup_s, drain_s) = (bench.rate, bench.duration, bench.warmup, bench.drain)
        (connections, p99_target_ms) = (bench.connections, bench.p99Target)
    }
}

/// One target at one rate.
struct HTTPTargetResult: Encodable, Sendable {
    var path: String
    var signed_in: Bool
    var rate: Int
    /// Requests scheduled in the measured window.
    var scheduled: Int
    /// Of those, written to a connection before the cut-off.
    var sent: Int
    /// Answered with 2xx or 3xx.
    var completed: Int
    /// Other statuses, connection failures and requests unanswered at the cut-off.
    var errors: Int
    var first_error: String?
    var statuses: [String: Int]
    var achieved_per_s: Double
    /// Latency from the scheduled send time to the end of the answer, over every answered request
    /// and (as a lower bound) every request still unanswered at the cut-off.
    var p50_ms: Double
    var p90_ms: Double
    var p99_ms: Double
    var max_ms: Double
    /// Scheduled time to the moment the request was written (client timer plus waiting for a free connection).
    var send_delay_p99_ms: Double
    var response_bytes: Int
    /// Ledger entries appended while this target ran (in-process mode): one per read a page makes.
    var ledger_entries_added: UInt64?
    /// CPU time of this process (server and load generator in-process; the load generator alone
    /// with --url) and of everything else on the machine, in percent of one core, over the run
    /// including warm-up.
    var cpu_percent_self: Double?
    var cpu_percent_others: Double?
    /// This process's CPU time per answered request (warm-up included), in microseconds.
    var cpu_us_per_request: Double?
    var meets_target: Bool

    init(path: String, signed_in: Bool, rate: Int, outcome: OpenLoopLoad.Outcome, p99Target: Double) {
        self.path = path
        self.signed_in = signed_in
        self.rate = rate
        scheduled = outcome.scheduled
        sent = outcome.sent
        completed = outcome.completed
        errors = outcome.errors
        first_error = outcome.firstError
        statuses = Dictionary(uniqueKeysWithValues: outcome.statuses.map { (String($0.key), $0.value) })
        achieved_per_s = outcome.achievedPerSecond
        p50_ms = outcome.latencies.percentile(50)
        p90_ms = outcome.latencies.percentile(90)
        p99_ms = outcome.latencies.percentile(99)
        max_ms = outcome.latencies.last ?? 0
        send_delay_p99_ms = outcome.sendDelays.percentile(99)
        response_bytes = outcome.responseBytes
        meets_target = errors == 0 && p99_ms <= p99Target && achieved_per_s >= 0.99 * Double(rate)
    }

    mutating func recordCPU(from start: CPUSample, to end: CPUSample, requests: Int) {
        let wall = end.wall - start.wall
        guard wall > 0 else { return }
        let own = end.process - start.process
        cpu_percent_self = (own / wall * 1000).rounded() / 10
        cpu_us_per_request = (own / Double(max(requests, 1)) * 1e7).rounded() / 10
        if let othersStart = start.others, let othersEnd = end.others {
            cpu_percent_others = (max(0, othersEnd - othersStart) / wall * 1000).rounded() / 10
        }
    }
}
