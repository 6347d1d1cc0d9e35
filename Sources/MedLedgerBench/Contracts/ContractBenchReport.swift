import Foundation

/// The JSON `bench contracts` prints.
public struct ContractBenchReport: ThroughputFigures, Encodable, Sendable {
    var store: String
    var transactions: Int
    var submitters: Int
    var doctors: Int
    var patients: Int
    var seconds = 0.0
    var accepted = 0
    public internal(set) var failed = 0
    public internal(set) var first_error: String?
    /// Actions the contracts denied (recorded and audited like the others).
    public internal(set) var denied = 0
    public internal(set) var expected_denied = 0
    var tx_per_s = 0.0
    var p50_ms = 0.0
    var p90_ms = 0.0
    var p99_ms = 0.0
    var max_ms = 0.0
    var trail_events = 0
    /// Reading the whole trail from the audit log.
    var trail_read_p50_ms = 0.0
    var trail_read_p99_ms = 0.0
    /// A signed `audit.trail` query end to end: verified, sequenced and audited, then read.
    var trail_query_p50_ms = 0.0
    var trail_query_p99_ms = 0.0
    var verified_entries: UInt64 = 0
    /// `verify` of the whole resulting ledger, contract replay included.
    var verify_s = 0.0

    init(_ configuration: ContractBench.Configuration) {
        store = configuration.store
        transactions = configuration.transactions
        submitters = configuration.submitters
        doctors = configuration.doctors
        patients = configuration.patients
    }

    /// The figures as short lines for a terminal.
    public var summary: String {
        """
        actions \(transactions) (\(denied) denied, \(expected_denied) planned; \(failed) failed) in \(String(format: "%.2f", seconds)) s
        tx_per_s \(Int(tx_per_s))  p50 \(String(format: "%.2f", p50_ms)) ms  p99 \(String(format: "%.2f", p99_ms)) ms
        trail of \(trail_events) events: read p99 \(String(format: "%.2f", trail_read_p99_ms)) ms, signed query p99 \(String(format: "%.2f", trail_query_p99_ms)) ms
        verify (with contract replay) of \(verified_entries) entries: \(String(format: "%.2f", verify_s)) s
        """
    }
}
