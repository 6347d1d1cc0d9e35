import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// The JSON `bench blobs` prints: one object, so that runs can be compared and quoted as they are.
public struct BlobBenchReport: Encodable, Sendable {
    var benchmark = "blobs"
    var machine = MachineInfo()
    var settings: Settings?
    /// Resident memory when the command started, and just before the first size (after the
    /// store was opened, the plaintext piece made and the warm-up object stored and loaded).
    var rss_start_mb: Double?
    var rss_baseline_mb: Double?
    /// False when /proc/self/clear_refs could not be written: peaks are then process-wide.
    var rss_peak_resettable = false
    var results: [BlobSizeResult] = []
    var context: StageCeilings?
    var disk: DiskProbe?
    var targets: Targets?
    /// What the node's check before sequencing a write costs per named document.
    var admission_check: AdmissionCheckTiming?

    /// What was asked for and where it ran, since the figures depend on the file system.
    struct Settings: Encodable {
        var sizes: [Int64]
        var piece_bytes: Int64
        var runs: [Int]
        var directory: String
        var file_system: String
        /// Whether the data directory's file system accepted an `O_DIRECT` open, as the write
        /// pipeline tries; when it does not, the pipeline writes through the page cache.
        var direct_io: Bool
        /// The store's object-size limit for this run (raised from the default 200 MB to the largest size).
        var max_object_size: Int64
    }

    /// The product issue's targets checked against the figures, so a reader need not compare by hand.
    struct Targets: Encodable {
        var store_gb_s_target: Double
        var peak_rss_mb_target: Double
        var store_1gb_s_met: Bool
        var peak_rss_100mb_met: Bool
        var store_detail: String
        var rss_detail: String

        init(results: [BlobSizeResult], storeGBps: Double = 1.0, peakMB: Double = 100) {
            store_gb_s_target = storeGBps
            peak_rss_mb_target = peakMB
            let slow = results.filter { $0.store.gb_s_median < storeGBps }
            store_1gb_s_met = slow.isEmpty && !results.isEmpty
            store_detail = slow.isEmpty
                ? "median ≥ 1 GB/s at every size"
                : "median below 1 GB/s at " + slow.map { "\(ByteSize($0.size_bytes)) (\(String(format: "%.2f", $0.store.gb_s_median)) GB/s)" }.joined(separator: ", ")
            let peaks = results.compactMap(\.peak_rss_mb)
            let highest = peaks.max() ?? .infinity
            peak_rss_100mb_met = peaks.count == results.count && highest < peakMB
            rss_detail = peaks.count == results.count ? String(format: "highest %.1f MB", highest) : "peak could not be measured per size"
        }
    }
}
