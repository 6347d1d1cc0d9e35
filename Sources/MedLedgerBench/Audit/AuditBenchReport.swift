import Foundation

/// The JSON `bench audit` prints.
public struct AuditBenchReport: Encodable, Sendable {
    var versions: Int
    var events: Int
    var runs: Int
    var tally_ms: [Double] = []
    var tally_median_ms = 0.0
    var bundle_bytes = 0
    var bundle_export_ms = 0.0
    var bundle_verify_ms: [Double] = []
    var bundle_verify_median_ms = 0.0
    var witness: WitnessBenchFigures?
    var other_processes_cpu_s: Double?
    var machine = MachineInfo()

    /// The figures as short lines for a terminal.
    public var summary: String {
        """
        tally of a record with \(versions) versions: median \(String(format: "%.1f", tally_median_ms)) ms (target ≤ 100 ms)
        witness cosign round trip (\(witness?.count ?? 0) calls, loopback): p50 \(String(format: "%.2f", witness?.p50_ms ?? 0)) ms, p99 \(String(format: "%.2f", witness?.p99_ms ?? 0)) ms (target p99 ≤ 10 ms)
        bundle of \(events) events (\(bundle_bytes / 1024) KiB): exported in \(String(format: "%.0f", bundle_export_ms)) ms, verified in median \(String(format: "%.1f", bundle_verify_median_ms)) ms (target ≤ 1,000 ms)
        """
    }
}
