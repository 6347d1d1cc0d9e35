import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// One size's figures over its runs.
struct BlobSizeResult: Encodable {
    var size_bytes: Int64
    /// Header, plaintext and one 16-byte tag per 64 KiB segment.
    var stored_bytes: Int64
    var runs: Int
    var store: Throughput
    /// Absent with `--store-only`.
    var load: Throughput?
    /// VmHWM over this size's runs, in MB (10^6 bytes).
    var peak_rss_mb: Double?
    var rss_after_mb: Double?
    /// Fraction of the object file's pages in the page cache right after its store and after its
    /// load, per run (nil when the file could not be mapped).
    var page_cache_after_store: [Double?]
    var page_cache_after_load: [Double?]
    /// CPU time of every other process on the machine over this size's runs, in percent of one
    /// core: how busy the machine was besides the benchmark.
    var others_cpu_percent: Double?

    /// Wall time and rate of one direction (store or load) over the runs.
    struct Throughput: Encodable {
        /// Wall seconds per run: the sum of the phases.
        var seconds: [Double]
        var mb_s_median: Double
        var mb_s_best: Double
        var gb_s_median: Double
        var gb_s_best: Double
        /// Seconds per run of each part. Store: `write` (`makeWriter` and every `write` call) and
        /// `commit`; load: `open` (the CID check over every byte) and `read` (decryption).
        var phases: [String: [Double]]
        var phase_medians: [String: Double]
        /// The benchmark process's CPU time over this direction's wall time, in percent of one
        /// core (200 = both cores of a two-core machine).
        var cpu_percent: Double

        init(size: Int64, phases parts: [(String, [Double])], cpuSeconds: Double) {
            let runs = parts.map(\.1.count).min() ?? 0
            let totals = (0..<runs).map { run in parts.reduce(0.0) { $0 + $1.1[run] } }
            let rates = totals.map { Double(size) / max($0, 1e-9) }
            let median = (rates).median
            let best = rates.max() ?? 0
            seconds = totals.map { Self.round($0, 6) }
            mb_s_median = Self.round(median / 1e6)
            mb_s_best = Self.round(best / 1e6)
            gb_s_median = Self.round(median / 1e9)
            gb_s_best = Self.round(best / 1e9)
            phases = Dictionary(uniqueKeysWithValues: parts.map { ($0.0, $0.1.map { Self.round($0, 6) }) })
            phase_medians = Dictionary(uniqueKeysWithValues: parts.map { ($0.0, Self.round(($0.1).median, 6)) })
            cpu_percent = Self.round(cpuSeconds / max(totals.reduce(0, +), 1e-9) * 100)
        }


        /// `value` to `digits` decimals (seconds to the microsecond, rates to 10^-4).
        static func round(_ value: Double, _ digits: Int = 4) -> Double {
            guard value.isFinite else { return 0 }
            let scale = pow(10, Double(digits))
            return (value * scale).rounded() / scale
        }
    }
}
