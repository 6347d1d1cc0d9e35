import Crypto
import Foundation
import MedLedgerCore
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
public struct BlobBench: Sendable {
    /// Object sizes in plaintext bytes (e.g. 1MB 100MB 1GB).
    public var sizes: [ByteSize] = [ByteSize(1_000_000), ByteSize(100_000_000), ByteSize(1_000_000_000)]

    /// Repetitions of every size (default: 5 below 10 MB, 3 from 10 MB).
    public var runs: Int?

    /// Plaintext bytes per write call.
    public var piece: ByteSize = ByteSize(1 << 20)

    /// Directory in which a fresh .bench-blobs-<random> data directory is made (and removed at the end).
    public var dir: String = "."

    /// MiB written and read back directly on the disk (O_DIRECT, then buffered) for context; 0 skips.
    public var diskProbe: Int = 512

    /// Time stores only, each object removed right after its commit (to profile the store path).
    public var storeOnly = false

    /// Skip the in-process AES-GCM, SHA-256, UnixFS and disk figures.
    public var skipContext = false


    public init() {}

    /// Stores and loads every size and returns the figures.
    public func run() async throws -> BlobBenchReport {
        var report = BlobBenchReport()
        report.rss_start_mb = ProcessMemory.megabytes(ProcessMemory.statusKiB("VmRSS"))

        let parent = URL(fileURLWithPath: dir, isDirectory: true).standardizedFileURL
        let root = parent.appendingPathComponent(".bench-blobs-\(Hex.encode((0..<6).map { _ in UInt8.random(in: 0...255) }))")
        let largest = sizes.map(\.bytes).max() ?? 0
        // Made here, exclusively, so the removal at the end only ever removes what this run made.
        guard mkdir(root.path, 0o700) == 0 else {
            throw BenchError("cannot create \(root.path): \(String(cString: strerror(errno)))")
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
        return report
    }

    private func runCount(for size: Int64) -> Int {
        runs ?? (size < 10_000_000 ? 5 : 3)
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
