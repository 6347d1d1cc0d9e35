/// The figures of a timed submission run that `bench ledger` and `bench contracts` both report,
/// under the same JSON names.
protocol ThroughputFigures {
    var seconds: Double { get set }
    var accepted: Int { get set }
    var failed: Int { get set }
    var first_error: String? { get set }
    var tx_per_s: Double { get set }
    var p50_ms: Double { get set }
    var p90_ms: Double { get set }
    var p99_ms: Double { get set }
    var max_ms: Double { get set }
}

extension ThroughputFigures {
    /// Takes the figures of a finished run.
    mutating func record(_ run: LedgerBenchmark.RunResult) {
        seconds = run.seconds
        accepted = run.accepted
        failed = run.failed
        first_error = run.firstError
        tx_per_s = run.throughput
        p50_ms = run.percentile(50)
        p90_ms = run.percentile(90)
        p99_ms = run.percentile(99)
        max_ms = run.latencies.last ?? 0
    }
}
