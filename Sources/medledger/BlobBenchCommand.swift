import ArgumentParser
import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// `medledger bench blobs`: store and load throughput of the file blob store, and peak memory.
///
/// Health content lives off the ledger, encrypted, in ``FileBlobStore``; uploads of scans and
/// reports reach a gigabyte. This command measures the two paths a file takes, through the public
/// ``BlobStore`` API only, on a fresh store in a directory of its own:
///
/// - **store**: `makeWriter`, `write` in pieces, `commit` (encryption, CID, the `O_DIRECT` writes,
///   `fdatasync`, rename and directory fsync);
/// - **load**: `open` (the CID recomputed over every stored byte) and `read` of the whole
///   plaintext, the pieces counted and dropped.
///
/// The plaintext is one buffer of random bytes made before timing and passed for every piece, so
/// the benchmark itself needs no more memory for a gigabyte than for a megabyte and the peak RSS
/// it reports is the store's. For context it also measures, in process, what bounds each stage:
/// AES-GCM, SHA-256, the UnixFS CID builder, the stream sealer, and the disk with direct and
/// buffered I/O.
struct BlobBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "blobs",
        abstract: "Measure blob store and load throughput (encrypt + CID + write + fsync; read + verify + decrypt) and peak memory.",
        discussion: """
            Each size is stored and loaded --runs times in a fresh data directory, made inside --dir and removed at \
            the end; each object is removed after its load. Sizes are plaintext bytes: plain numbers, or with the \
            suffixes kB, MB, GB (powers of ten) or KiB, MiB, GiB (powers of two). Peak RSS is the process's high-water \
            mark (VmHWM), reset before each size through /proc/self/clear_refs.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Object sizes in plaintext bytes (e.g. 1MB 100MB 1GB).")
    var sizes: [ByteSize] = [ByteSize(1_000_000), ByteSize(100_000_000), ByteSize(1_000_000_000)]

    @Option(name: .long, help: "Repetitions of every size (default: 5 below 10 MB, 3 from 10 MB).")
    var runs: Int?

    @Option(name: .long, help: "Plaintext bytes per write call.")
    var piece: ByteSize = ByteSize(1 << 20)

    @Option(name: .long, help: "Directory in which a fresh .bench-blobs-<random> data directory is made (and removed at the end).")
    var dir: String = "."

    @Option(name: .long, help: "MiB written and read back directly on the disk (O_DIRECT, then buffered) for context; 0 skips.")
    var diskProbe: Int = 512

    @Flag(name: .long, help: "Time stores only, each object removed right after its commit (to profile the store path).")
    var storeOnly = false

    @Flag(name: .long, help: "Skip the in-process AES-GCM, SHA-256, UnixFS and disk figures.")
    var skipContext = false

    @Flag(name: .long, help: "Print the result as one JSON object.")
    var json = false

    func validate() throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0.bytes > 0 }) else { throw ValidationError("--sizes must be positive.") }
        guard piece.bytes > 0, piece.bytes <= 256 << 20 else { throw ValidationError("--piece must be 1 byte to 256 MiB.") }
        guard runs.map({ $0 > 0 }) ?? true else { throw ValidationError("--runs must be positive.") }
        guard diskProbe >= 0 else { throw ValidationError("--disk-probe must not be negative.") }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ValidationError("--dir \(dir) is not a directory.")
        }
    }

    func run() async throws {
        var report = BlobBenchReport()
        report.rss_start_mb = ProcessMemory.megabytes(ProcessMemory.statusKiB("VmRSS"))

        let parent = URL(fileURLWithPath: dir, isDirectory: true).standardizedFileURL
        let root = parent.appendingPathComponent(".bench-blobs-\(Hex.encode((0..<6).map { _ in UInt8.random(in: 0...255) }))")
        let largest = sizes.map(\.bytes).max() ?? 0
        // Made here, exclusively, so the removal at the end only ever removes what this run made.
        guard mkdir(root.path, 0o700) == 0 else {
            throw CLIError("cannot create \(root.path): \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(at: root) }
        let store = try DataDirectory(path: root.path).openBlobStore(maxObjectSize: max(largest, 200_000_000))

        report.settings = .init(
            sizes: sizes.map(\.bytes), piece_bytes: piece.bytes, runs: sizes.map { runCount(for: $0.bytes) },
            directory: root.path, file_system: FileSystemInfo.name(of: root.path),
            direct_io: FileSystemInfo.acceptsDirectIO(in: root.appendingPathComponent("blobs/tmp").path),
            max_object_size: max(largest, 200_000_000)
        )

        // The plaintext every piece is cut from: random, so nothing downstream can compress it.
        let plaintext = Self.randomBytes(Int(piece.bytes))
        let owner = AccountAddress(publicKey: P256.Signing.PrivateKey().publicKey)
        let metadata = BlobMetadata(mediaType: "application/octet-stream", fileName: "bench.bin")
        let bench = BlobRoundTrip(store: store, owner: owner, metadata: metadata, piece: plaintext, root: root.path)

        // Untimed warm-up: makes the patient's key and checks that what is loaded is what was stored.
        try await bench.warmUp()

        report.rss_peak_resettable = ProcessMemory.resetPeak()
        report.rss_baseline_mb = ProcessMemory.megabytes(ProcessMemory.statusKiB("VmRSS"))
        for size in sizes.map(\.bytes) {
            let count = runCount(for: size)
            Self.note("\(ByteSize(size)): \(count) run(s)…")
            let result = try await bench.measure(size: size, runs: count, loads: !storeOnly)
            report.results.append(result)
        }

        Self.note("admission check: who sealed and uploaded 200 small documents, 5 rounds…")
        report.admission_check = try await AdmissionCheckTiming.measure(store: store, owner: owner)

        if !skipContext {
            Self.note("context: AES-GCM, SHA-256, UnixFS builder, stream sealer…")
            report.context = try StageCeilings.measure(owner: owner)
            if diskProbe > 0 {
                Self.note("context: \(diskProbe) MiB direct and buffered disk probe…")
                report.disk = try DiskProbe.run(directory: root.path, mebibytes: diskProbe)
            }
        }
        report.machine.loadAverageEnd = MachineInfo.loadAverage()
        report.targets = .init(results: report.results)
        try emit(report)
    }

    private func runCount(for size: Int64) -> Int {
        runs ?? (size < 10_000_000 ? 5 : 3)
    }

    private func emit(_ report: BlobBenchReport) throws {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        let settings = report.settings
        print("blob store in \(settings?.directory ?? "?") (\(settings?.file_system ?? "?"), O_DIRECT \(settings?.direct_io == true ? "accepted" : "refused")), \(report.machine.cores) cores")
        print("pieces of \(ByteSize(settings?.piece_bytes ?? 0)); RSS at start \(Self.format(report.rss_start_mb)) MB, before the first size \(Self.format(report.rss_baseline_mb)) MB")
        print("")
        print("size        runs  store MB/s median (best)  load MB/s median (best)  peak RSS MB  in page cache after store / load")
        for result in report.results {
            let columns = [
                ByteSize(result.size_bytes).description.padding(toLength: 11, withPad: " ", startingAt: 0),
                String(result.runs).padding(toLength: 5, withPad: " ", startingAt: 0),
                "\(Self.format(result.store.mb_s_median)) (\(Self.format(result.store.mb_s_best)))".padding(toLength: 27, withPad: " ", startingAt: 0),
                "\(Self.format(result.load?.mb_s_median)) (\(Self.format(result.load?.mb_s_best)))".padding(toLength: 25, withPad: " ", startingAt: 0),
                Self.format(result.peak_rss_mb).padding(toLength: 12, withPad: " ", startingAt: 0),
                "\(Self.percent(result.page_cache_after_store)) / \(Self.percent(result.page_cache_after_load))",
            ]
            print(columns.joined(separator: " "))
        }
        print("")
        for result in report.results {
            print("\(ByteSize(result.size_bytes)): store = write \(Self.milliseconds(result.store, "write")) + commit \(Self.milliseconds(result.store, "commit")) (medians), process CPU \(Self.format(result.store.cpu_percent))%; load = open/verify \(Self.milliseconds(result.load, "open")) + read/decrypt \(Self.milliseconds(result.load, "read")), CPU \(Self.format(result.load?.cpu_percent))%; other processes \(Self.format(result.others_cpu_percent))% CPU")
        }
        if let context = report.context {
            print("")
            print("one core: AES-GCM seal \(Self.format(context.aes_gcm_seal_4mib_gb_s)) GB/s (4 MiB), \(Self.format(context.aes_gcm_seal_64kib_gb_s)) GB/s (64 KiB); open \(Self.format(context.aes_gcm_open_64kib_gb_s)) GB/s (64 KiB)")
            print("one core: SHA-256 \(Self.format(context.sha256_4mib_gb_s)) GB/s (4 MiB); UnixFS CID builder \(Self.format(context.unixfs_builder_gb_s)) GB/s; stream sealer \(Self.format(context.stream_sealer_gb_s)) GB/s")
        }
        if let disk = report.disk {
            print("disk (\(disk.mebibytes) MiB, 4 MiB writes): O_DIRECT + fdatasync \(Self.format(disk.direct_write_mb_s)) MB/s; buffered + fdatasync \(Self.format(disk.buffered_write_mb_s)) MB/s; cold read \(Self.format(disk.cold_read_mb_s)) MB/s; cached read \(Self.format(disk.cached_read_mb_s)) MB/s")
        }
        if let targets = report.targets {
            print("")
            print("targets: store ≥ 1 GB/s \(targets.store_1gb_s_met ? "met" : "NOT met") (\(targets.store_detail)); peak RSS < 100 MB \(targets.peak_rss_100mb_met ? "met" : "NOT met") (\(targets.rss_detail))")
        }
    }

    /// A progress line on standard error, on a terminal only (so `--json` output stays clean).
    static func note(_ text: String) {
        guard isatty(STDERR_FILENO) == 1 else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        return value >= 100 ? String(format: "%.0f", value) : String(format: "%.2f", value)
    }

    static func milliseconds(_ throughput: BlobSizeResult.Throughput?, _ phase: String) -> String {
        "\(format(throughput?.phase_medians[phase].map { $0 * 1e3 })) ms"
    }

    static func percent(_ values: [Double?]) -> String {
        let known = values.compactMap { $0 }
        guard let high = known.max() else { return "n/a" }
        return String(format: "%.0f%%", high * 100)
    }

    /// Random bytes from the system generator, eight at a time.
    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                var word = generator.next()
                let take = min(8, buffer.count - offset)
                withUnsafeBytes(of: &word) { buffer.baseAddress!.advanced(by: offset).copyMemory(from: $0.baseAddress!, byteCount: take) }
                offset += take
            }
        }
        return bytes
    }
}

// MARK: - Store and load

/// One store's figures, for one run: how long `write` and `commit` took and what was stored. Kept
/// apart because the two phases have different limits (the pipeline's stages for `write`, the
/// disk's syncs for `commit`).
struct StoreTiming {
    var cid: String
    var storedSize: Int64
    var write: Double
    var commit: Double
}

/// The timed store → load → remove cycle on one blob store, one object at a time so that disk use
/// stays at one object whatever the number of runs.
struct BlobRoundTrip {
    let store: FileBlobStore
    let owner: AccountAddress
    let metadata: BlobMetadata
    /// The reusable piece of random plaintext every write passes.
    let piece: [UInt8]
    /// The data directory (where `blobs/<xx>/<cid>` lives, for the page-cache check).
    let root: String

    /// Stores and loads one small object untimed, comparing every byte, so that the patient's key
    /// exists and the first timed run pays for nothing the others do not.
    func warmUp() async throws {
        let size = Int64(min(piece.count, 1 << 20))
        let stored = try await storeObject(size: size)
        let reader = try await store.open(stored.cid, owner: owner)
        defer { reader.close() }
        var loaded: [UInt8] = []
        try await reader.read(0..<reader.size) { loaded += $0 }
        guard loaded.count == Int(size), loaded.elementsEqual(piece.prefix(Int(size))) else {
            throw CLIError("the warm-up object did not load back as stored")
        }
        try await store.remove(stored.cid)
    }

    /// Runs `runs` store-load cycles of a `size`-byte object; the process's peak RSS is reset
    /// before and read after.
    func measure(size: Int64, runs: Int, loads: Bool) async throws -> BlobSizeResult {
        let peakReset = ProcessMemory.resetPeak()
        let othersBefore = OtherProcesses.cpuSeconds()
        let wallStart = ContinuousClock.now
        var stores: [StoreTiming] = []
        var opens: [Double] = []
        var reads: [Double] = []
        var afterStore: [Double?] = []
        var afterLoad: [Double?] = []
        var storeCPU = 0.0
        var loadCPU = 0.0
        var storedSize: Int64 = 0

        for _ in 0..<runs {
            let cpu0 = CPUSample.processSeconds()
            let stored = try await storeObject(size: size)
            let cpu1 = CPUSample.processSeconds()
            storedSize = stored.storedSize
            stores.append(stored)
            let path = objectPath(stored.cid)
            afterStore.append(PageCache.residentFraction(path))

            if loads {
                let (open, read) = try await loadObject(stored.cid, size: size)
                opens.append(open)
                reads.append(read)
                afterLoad.append(PageCache.residentFraction(path))
            }
            let cpu2 = CPUSample.processSeconds()
            try await store.remove(stored.cid)
            storeCPU += cpu1 - cpu0
            loadCPU += cpu2 - cpu1
        }

        let wall = (ContinuousClock.now - wallStart).inSeconds
        let othersAfter = OtherProcesses.cpuSeconds()
        let peak = ProcessMemory.statusKiB("VmHWM")
        return BlobSizeResult(
            size_bytes: size,
            stored_bytes: storedSize,
            runs: runs,
            store: .init(size: size, phases: [("write", stores.map(\.write)), ("commit", stores.map(\.commit))], cpuSeconds: storeCPU),
            load: loads ? .init(size: size, phases: [("open", opens), ("read", reads)], cpuSeconds: loadCPU) : nil,
            peak_rss_mb: peakReset ? ProcessMemory.megabytes(peak) : nil,
            rss_after_mb: ProcessMemory.megabytes(ProcessMemory.statusKiB("VmRSS")),
            page_cache_after_store: afterStore,
            page_cache_after_load: afterLoad,
            others_cpu_percent: othersBefore.flatMap { before in othersAfter.map { ($0 - before) / max(wall, 1e-9) * 100 } }
        )
    }

    /// `makeWriter`, `write` in pieces of the reusable buffer, `commit`.
    func storeObject(size: Int64) async throws -> StoreTiming {
        // The short last piece is cut before the clock starts.
        let tail = Array(piece[0..<Int(size % Int64(piece.count))])
        let whole = size / Int64(piece.count)
        let start = ContinuousClock.now
        let writer = try await store.makeWriter(owner: owner, metadata: metadata)
        do {
            for _ in 0..<whole { try await writer.write(piece) }
            if !tail.isEmpty { try await writer.write(tail) }
        } catch {
            await writer.abort()
            throw error
        }
        let written = ContinuousClock.now
        let blob = try await writer.commit()
        let committed = ContinuousClock.now
        guard blob.size == size else { throw CLIError("stored \(blob.size) bytes instead of \(size)") }
        return StoreTiming(cid: blob.cid, storedSize: blob.storedSize, write: (written - start).inSeconds, commit: (committed - written).inSeconds)
    }

    /// `open` (which verifies the CID over every stored byte) and `read` of the whole plaintext,
    /// counting the pieces without keeping them. Returns the seconds of each.
    func loadObject(_ cid: String, size: Int64) async throws -> (open: Double, read: Double) {
        let start = ContinuousClock.now
        let reader = try await store.open(cid, owner: owner)
        defer { reader.close() }
        let opened = ContinuousClock.now
        var count: Int64 = 0
        try await reader.read(0..<reader.size) { count += Int64($0.count) }
        let done = ContinuousClock.now
        guard count == size else { throw CLIError("loaded \(count) bytes of a \(size)-byte object") }
        return ((opened - start).inSeconds, (done - opened).inSeconds)
    }

    /// The object's file, by the layout `FileBlobStore` documents: `blobs/<last two characters>/<cid>`.
    private func objectPath(_ cid: String) -> String {
        "\(root)/blobs/\(cid.suffix(2))/\(cid)"
    }
}

// MARK: - Report

/// The JSON `bench blobs` prints: one object, so that runs can be compared and quoted as they are.
struct BlobBenchReport: Encodable {
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

// MARK: - Context: what bounds each stage

/// Single-core throughput of the work each pipeline stage does, measured in this process with
/// swift-crypto and the store's own building blocks, so the store and load figures can be read
/// against their ceilings: the caller seals (AES-GCM plus copies), the hash stage runs the UnixFS
/// builder (SHA-256), and a load hashes everything once and decrypts it.
struct StageCeilings: Encodable {
    var aes_gcm_seal_4mib_gb_s: Double
    /// The size the stream sealer actually seals (one segment).
    var aes_gcm_seal_64kib_gb_s: Double
    var aes_gcm_open_64kib_gb_s: Double
    var sha256_4mib_gb_s: Double
    var unixfs_builder_gb_s: Double
    /// `StreamSealer` over 1 MiB pieces, segments emitted to nowhere: the write caller's CPU work
    /// before its copy into the pipeline's batches.
    var stream_sealer_gb_s: Double
    var trials = StageCeilings.trials
    var seconds_per_trial = StageCeilings.secondsPerTrial

    static let trials = 3
    static let secondsPerTrial = 0.4

    static func measure(owner: AccountAddress) throws -> StageCeilings {
        let big = BlobBenchCommand.randomBytes(4 << 20)
        let segment = Array(big[0..<(64 << 10)])
        let key = SymmetricKey(size: .bits256)
        var sink: UInt8 = 0

        let seal4 = try rate(bytes: big.count) {
            let box = try big.withUnsafeBytes { try AES.GCM.seal($0, using: key, nonce: AES.GCM.Nonce()) }
            sink ^= box.tag.first ?? 0
        }
        let seal64 = try rate(bytes: segment.count) {
            let box = try segment.withUnsafeBytes { try AES.GCM.seal($0, using: key, nonce: AES.GCM.Nonce()) }
            sink ^= box.tag.first ?? 0
        }
        let sealed = try AES.GCM.seal(segment, using: key, nonce: AES.GCM.Nonce())
        let open64 = try rate(bytes: segment.count) {
            // As the reader does: open, then copy the plaintext into an array.
            let plaintext = Array(try AES.GCM.open(sealed, using: key))
            sink ^= plaintext[0]
        }
        let sha = rate(bytes: big.count) {
            var hasher = SHA256()
            big.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            hasher.finalize().withUnsafeBytes { sink ^= $0[0] }
        }
        let unixfs = timed { deadline in
            var builder = UnixFSFileBuilder()
            var bytes = 0
            while ContinuousClock.now < deadline {
                big.withUnsafeBytes { builder.append($0) }
                bytes += big.count
            }
            sink ^= builder.finish().digest.first ?? 0
            return bytes
        }
        let piece = Array(big[0..<(1 << 20)])
        let sealer = try timed { deadline in
            var sealer = try StreamSealer(owner: owner, patientKey: key, metadata: BlobMetadata(mediaType: "application/octet-stream"))
            var bytes = 0
            while ContinuousClock.now < deadline {
                try sealer.append(piece) { sink ^= $0.count > 0 ? $0[0] : 0 }
                bytes += piece.count
            }
            try sealer.finish { sink ^= $0.count > 0 ? $0[0] : 0 }
            return bytes
        }
        blackHole(sink)
        return StageCeilings(
            aes_gcm_seal_4mib_gb_s: seal4, aes_gcm_seal_64kib_gb_s: seal64, aes_gcm_open_64kib_gb_s: open64,
            sha256_4mib_gb_s: sha, unixfs_builder_gb_s: unixfs, stream_sealer_gb_s: sealer
        )
    }

    /// Keeps a value the compiler would otherwise see as unused.
    @inline(never)
    private static func blackHole(_ value: UInt8) {
        withExtendedLifetime(value) {}
    }

    /// Best GB/s over the trials of repeating `body` (which processes `bytes`) for a fixed time.
    private static func rate(bytes: Int, _ body: () throws -> Void) rethrows -> Double {
        try timed { deadline in
            var done = 0
            repeat {
                try body()
                done += bytes
            } while ContinuousClock.now < deadline
            return done
        }
    }

    /// Best GB/s over the trials of `body`, which works until the deadline and returns its bytes.
    private static func timed(_ body: (ContinuousClock.Instant) throws -> Int) rethrows -> Double {
        var best = 0.0
        for _ in 0..<trials {
            let start = ContinuousClock.now
            let bytes = try body(start + .milliseconds(Int(secondsPerTrial * 1000)))
            let seconds = (ContinuousClock.now - start).inSeconds
            best = max(best, Double(bytes) / seconds / 1e9)
        }
        return (best * 1000).rounded() / 1000
    }
}

/// The disk under the data directory on its own: sequential 4 MiB writes as the pipeline makes
/// them (`O_DIRECT`, one at a time, then `fdatasync`), the same through the page cache, and reads
/// of a file that is not cached (as `open` verifies one just stored) and of one that is.
struct DiskProbe: Encodable {
    var mebibytes: Int
    var direct_write_mb_s: Double?
    var buffered_write_mb_s: Double
    var cold_read_mb_s: Double?
    var cached_read_mb_s: Double

    static let blockSize = 4 << 20

    static func run(directory: String, mebibytes: Int) throws -> DiskProbe {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: blockSize, alignment: 4096)
        defer { buffer.deallocate() }
        BlobBenchCommand.randomBytes(blockSize).withUnsafeBytes { buffer.copyMemory(from: $0) }
        let total = Int64(mebibytes) << 20
        let directPath = directory + "/disk-probe-direct"
        let bufferedPath = directory + "/disk-probe-buffered"
        defer {
            unlink(directPath)
            unlink(bufferedPath)
        }

        var direct: Double?
        var cold: Double?
        let fd = open(directPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | FileSystemInfo.directFlag, 0o600)
        if fd >= 0 {
            direct = try mbPerSecond(total) { try writeAll(fd, buffer, total: total, path: directPath) }
            close(fd)
            cold = try mbPerSecond(total) { try readAll(directPath, buffer, total: total) }
        }

        let buffered = open(bufferedPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard buffered >= 0 else { throw CLIError("cannot create \(bufferedPath): \(String(cString: strerror(errno)))") }
        let bufferedRate = try mbPerSecond(total) { try writeAll(buffered, buffer, total: total, path: bufferedPath) }
        close(buffered)
        // Just written through the page cache, so it is cached.
        let cached = try mbPerSecond(total) { try readAll(bufferedPath, buffer, total: total) }
        return DiskProbe(mebibytes: mebibytes, direct_write_mb_s: direct, buffered_write_mb_s: bufferedRate, cold_read_mb_s: cold, cached_read_mb_s: cached)
    }

    private static func mbPerSecond(_ bytes: Int64, _ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        return (Double(bytes) / (ContinuousClock.now - start).inSeconds / 1e6).rounded()
    }

    private static func writeAll(_ fd: Int32, _ buffer: UnsafeMutableRawBufferPointer, total: Int64, path: String) throws {
        var offset: Int64 = 0
        while offset < total {
            let wrote = pwrite(fd, buffer.baseAddress!, buffer.count, off_t(offset))
            if wrote < 0, errno == EINTR { continue }
            guard wrote > 0 else { throw CLIError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += Int64(wrote)
        }
        guard fdatasync(fd) == 0 else { throw CLIError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    private static func readAll(_ path: String, _ buffer: UnsafeMutableRawBufferPointer, total: Int64) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CLIError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        var offset: Int64 = 0
        while offset < total {
            let got = pread(fd, buffer.baseAddress!, buffer.count, off_t(offset))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { throw CLIError("cannot read \(path): \(String(cString: strerror(errno)))") }
            offset += Int64(got)
        }
    }
}

// MARK: - Process and system helpers

/// The process's memory and CPU as Linux reports them in `/proc/self`: the memory target is about
/// the whole process (runtime and buffers included), not about what the store allocates.
enum ProcessMemory {
    /// A field of `/proc/self/status` in KiB (`VmRSS`, `VmHWM`), nil where there is none.
    static func statusKiB(_ field: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(field + ":") {
            return line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap { Int($0) }
        }
        return nil
    }

    /// Resets the peak RSS (VmHWM) to the current RSS; false where the kernel does not allow it.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    static func megabytes(_ kib: Int?) -> Double? {
        kib.map { (Double($0) * 1024 / 1e6 * 10).rounded() / 10 }
    }
}

/// How much of a file the page cache holds, by `mincore` over a mapping that is never touched
/// (so it neither reads the file nor counts in the RSS).
enum PageCache {
    static func residentFraction(_ path: String) -> Double? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 0 else { return nil }
        let length = Int(info.st_size)
        guard let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, fd, 0), mapping != UnsafeMutableRawPointer(bitPattern: -1) else {
            return nil
        }
        defer { munmap(mapping, length) }
        let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))
        var pages = [UInt8](repeating: 0, count: (length + pageSize - 1) / pageSize)
        guard mincore(mapping, length, &pages) == 0 else { return nil }
        let resident = pages.reduce(0) { $0 + Int($1 & 1) }
        return (Double(resident) / Double(pages.count) * 1000).rounded() / 1000
    }
}

/// The data directory's file system, and whether it takes direct I/O as the write pipeline asks.
enum FileSystemInfo {
    /// Linux's `O_DIRECT` (not exported by Swift's Glibc module); zero where unknown.
    #if os(Linux) && (arch(x86_64) || arch(i386))
    static let directFlag: Int32 = 0o40000
    #elseif os(Linux) && (arch(arm64) || arch(arm))
    static let directFlag: Int32 = 0o200000
    #else
    static let directFlag: Int32 = 0
    #endif

    static func acceptsDirectIO(in directory: String) -> Bool {
        guard directFlag != 0 else { return false }
        let path = directory + "/direct-io-probe-\(getpid())"
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | directFlag, 0o600)
        guard fd >= 0 else { return false }
        close(fd)
        unlink(path)
        return true
    }

    /// The type of the file system `path` is on: the longest mount point of `/proc/self/mounts`
    /// that contains it.
    static func name(of path: String) -> String {
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let text = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return "unknown" }
        var best: (mount: String, type: String)?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count >= 3 else { continue }
            // Spaces in mount points are written as \040.
            let mount = fields[1].replacingOccurrences(of: "\\040", with: " ")
            let contains = mount == "/" || resolved == mount || resolved.hasPrefix(mount + "/")
            if contains, mount.count >= (best?.mount.count ?? -1) {
                best = (mount, String(fields[2]))
            }
        }
        return best?.type ?? "unknown"
    }
}

// MARK: - Sizes

/// A byte count given on the command line: a number, optionally with a decimal (kB, MB, GB) or
/// binary (KiB, MiB, GiB) suffix, because 1 GB objects are easier to ask for than 1000000000.
struct ByteSize: ExpressibleByArgument, CustomStringConvertible, Sendable {
    let bytes: Int64

    init(_ bytes: Int64) { self.bytes = bytes }

    init?(argument: String) {
        let text = argument.replacingOccurrences(of: "_", with: "").lowercased()
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9),
            ("k", 1e3), ("m", 1e6), ("g", 1e9), ("b", 1),
        ]
        var number = Substring(text)
        var multiplier = 1.0
        for (suffix, value) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
        let bytes = value * multiplier
        guard bytes == bytes.rounded(), bytes < 1e15 else { return nil }
        self.bytes = Int64(bytes)
    }

    /// Decimal units where the count is round in them, binary ones where that is round, else bytes.
    var description: String {
        let units: [(String, Int64)] = [("GB", 1_000_000_000), ("GiB", 1 << 30), ("MB", 1_000_000), ("MiB", 1 << 20), ("kB", 1_000), ("KiB", 1024)]
        for (name, unit) in units where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit) \(name)"
        }
        return "\(bytes) B"
    }

    var defaultValueDescription: String { description }
}

/// The node reads each new document a write names before sequencing it (`BlobStore.provenance`:
/// the object's header, the patient's key, the sealed metadata naming the uploader), so every
/// record, profile or request costs one such read. Timed over small documents, as most are.
struct AdmissionCheckTiming: Encodable {
    var documents: Int
    var rounds: Int
    var p50_us: Double
    var p99_us: Double

    static func measure(store: any BlobStore, owner: AccountAddress, documents: Int = 200, rounds: Int = 5) async throws -> AdmissionCheckTiming {
        var cids: [String] = []
        for number in 0..<documents {
            cids.append(try await store.put(Array("document \(number): \(String(repeating: "x", count: 1000))".utf8), owner: owner, uploader: owner))
        }
        let clock = ContinuousClock()
        var times: [Double] = []
        for _ in 0..<rounds {
            for cid in cids {
                let start = clock.now
                let provenance = try await store.provenance(cid)
                let elapsed = clock.now - start
                guard provenance.uploader == owner else { throw CLIError("the admission check read another uploader") }
                times.append(Double(elapsed.components.attoseconds) / 1e12 + Double(elapsed.components.seconds) * 1e6)
            }
        }
        times.sort()
        func at(_ q: Double) -> Double { (times[min(times.count - 1, Int(Double(times.count) * q))] * 10).rounded() / 10 }
        return AdmissionCheckTiming(documents: documents, rounds: rounds, p50_us: at(0.5), p99_us: at(0.99))
    }
}
