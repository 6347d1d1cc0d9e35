import Foundation

extension BlobBenchReport {
    /// The figures as a table and lines for a terminal.
    public var summary: String {
        var lines: [String] = []
        func print(_ line: String) { lines.append(line) }
        let report = self
        let settings = report.settings
        print("blob store in \(settings?.directory ?? "?") (\(settings?.file_system ?? "?"), O_DIRECT \(settings?.direct_io == true ? "accepted" : "refused")), \(report.machine.cores) cores")
        print("pieces of \(ByteSize(settings?.piece_bytes ?? 0)); RSS at start \(BlobBench.format(report.rss_start_mb)) MB, before the first size \(BlobBench.format(report.rss_baseline_mb)) MB")
        print("")
        print("size        runs  store MB/s median (best)  load MB/s median (best)  peak RSS MB  in page cache after store / load")
        for result in report.results {
            let columns = [
                ByteSize(result.size_bytes).description.padding(toLength: 11, withPad: " ", startingAt: 0),
                String(result.runs).padding(toLength: 5, withPad: " ", startingAt: 0),
                "\(BlobBench.format(result.store.mb_s_median)) (\(BlobBench.format(result.store.mb_s_best)))".padding(toLength: 27, withPad: " ", startingAt: 0),
                "\(BlobBench.format(result.load?.mb_s_median)) (\(BlobBench.format(result.load?.mb_s_best)))".padding(toLength: 25, withPad: " ", startingAt: 0),
                BlobBench.format(result.peak_rss_mb).padding(toLength: 12, withPad: " ", startingAt: 0),
                "\(BlobBench.percent(result.page_cache_after_store)) / \(BlobBench.percent(result.page_cache_after_load))",
            ]
            print(columns.joined(separator: " "))
        }
        print("")
        for result in report.results {
            print("\(ByteSize(result.size_bytes)): store = write \(BlobBench.milliseconds(result.store, "write")) + commit \(BlobBench.milliseconds(result.store, "commit")) (medians), process CPU \(BlobBench.format(result.store.cpu_percent))%; load = open/verify \(BlobBench.milliseconds(result.load, "open")) + read/decrypt \(BlobBench.milliseconds(result.load, "read")), CPU \(BlobBench.format(result.load?.cpu_percent))%; other processes \(BlobBench.format(result.others_cpu_percent))% CPU")
        }
        if let context = report.context {
            print("")
            print("one core: AES-GCM seal \(BlobBench.format(context.aes_gcm_seal_4mib_gb_s)) GB/s (4 MiB), \(BlobBench.format(context.aes_gcm_seal_64kib_gb_s)) GB/s (64 KiB); open \(BlobBench.format(context.aes_gcm_open_64kib_gb_s)) GB/s (64 KiB)")
            print("one core: SHA-256 \(BlobBench.format(context.sha256_4mib_gb_s)) GB/s (4 MiB); UnixFS CID builder \(BlobBench.format(context.unixfs_builder_gb_s)) GB/s; stream sealer \(BlobBench.format(context.stream_sealer_gb_s)) GB/s")
        }
        if let disk = report.disk {
            print("disk (\(disk.mebibytes) MiB, 4 MiB writes): O_DIRECT + fdatasync \(BlobBench.format(disk.direct_write_mb_s)) MB/s; buffered + fdatasync \(BlobBench.format(disk.buffered_write_mb_s)) MB/s; cold read \(BlobBench.format(disk.cold_read_mb_s)) MB/s; cached read \(BlobBench.format(disk.cached_read_mb_s)) MB/s")
        }
        if let targets = report.targets {
            print("")
            print("targets: store ≥ 1 GB/s \(targets.store_1gb_s_met ? "met" : "NOT met") (\(targets.store_detail)); peak RSS < 100 MB \(targets.peak_rss_100mb_met ? "met" : "NOT met") (\(targets.rss_detail))")
        }
        return lines.joined(separator: "\n")
    }
}
