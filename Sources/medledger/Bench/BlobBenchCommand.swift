import ArgumentParser
import Foundation
import MedLedgerBench

/// `medledger bench blobs`: store and load throughput of the file blob store, and peak memory.
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

    private static let defaults = BlobBench()

    @Option(name: .long, parsing: .upToNextOption, help: "Object sizes in plaintext bytes (e.g. 1MB 100MB 1GB).")
    var sizes: [ByteSize] = defaults.sizes

    @Option(name: .long, help: "Repetitions of every size (default: 5 below 10 MB, 3 from 10 MB).")
    var runs: Int?

    @Option(name: .long, help: "Plaintext bytes per write call.")
    var piece: ByteSize = defaults.piece

    @Option(name: .long, help: "Directory in which a fresh .bench-blobs-<random> data directory is made (and removed at the end).")
    var dir: String = defaults.dir

    @Option(name: .long, help: "MiB written and read back directly on the disk (O_DIRECT, then buffered) for context; 0 skips.")
    var diskProbe: Int = defaults.diskProbe

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
        var bench = BlobBench()
        bench.sizes = sizes
        bench.runs = runs
        bench.piece = piece
        bench.dir = dir
        bench.diskProbe = diskProbe
        bench.storeOnly = storeOnly
        bench.skipContext = skipContext
        let report = try await bench.run()
        if json { try printJSON(report) } else { print(report.summary) }
    }
}

extension ByteSize: ExpressibleByArgument {
    public init?(argument: String) { self.init(text: argument) }
    public var defaultValueDescription: String { description }
}
