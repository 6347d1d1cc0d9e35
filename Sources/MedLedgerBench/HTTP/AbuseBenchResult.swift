import Foundation

/// The JSON `bench http --abuse` prints.
public struct AbuseBenchResult: Encodable, Sendable {
    struct Settings: Encodable, Sendable {
        var abuse_clients: Int
        var measured_rate_total: Int
        var duration_s: Double
        var warmup_s: Double
        var sign_in_workers: Int
        var sign_in_queue: Int
        var p99_target_ms: Double
    }

    var mode = "abuse"
    var machine = MachineInfo()
    var settings: Settings
    /// `/checkpoint` and the signed-in page, measured while the abuse runs.
    var measured: [HTTPTargetResult] = []
    var measured_failures = 0
    /// The larger of the two targets' p99.
    var measured_p99_ms = 0.0
    var meets_target = false
    var abuse: AbuseClients.Summary
}
