import Foundation

/// The JSON `bench ledger` prints.
public struct LedgerBenchReport: ThroughputFigures, Encodable, Sendable {
    var store: String
    var transactions: Int
    var submitters: Int
    var rate_target: Int
    var seconds = 0.0
    var accepted = 0
    public internal(set) var failed = 0
    public internal(set) var first_error: String?
    var tx_per_s = 0.0
    /// Envelopes per second the verifier alone checks on every core (the throughput ceiling).
    var verify_per_s: Double?
    var p50_ms = 0.0
    var p90_ms = 0.0
    var p99_ms = 0.0
    var max_ms = 0.0
    /// Local runs only (absent with --url): proof and reopen figures at the final tree size.
    var proof_us: Double?
    /// The same proofs' first pass, when their pages may still be on disk.
    var proof_first_touch_us: Double?
    var open_ms: Double?
    var tree_size: UInt64?

    init(_ configuration: LedgerBench.Configuration) {
        store = configuration.store
        transactions = configuration.transactions
        submitters = configuration.submitters
        rate_target = configuration.rate
    }

    /// The figures as short lines for a terminal.
    public var summary: String {
        var text = """
            transactions \(transactions) (\(failed) failed) in \(String(format: "%.2f", seconds)) s
            tx_per_s \(Int(tx_per_s))  p50 \(String(format: "%.2f", p50_ms)) ms  p99 \(String(format: "%.2f", p99_ms)) ms
            """
        if let proof_us, let open_ms, let tree_size {
            text += "\nproof \(String(format: "%.1f", proof_us)) µs at size \(tree_size)  open \(String(format: "%.1f", open_ms)) ms"
        }
        return text
    }
}
