import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

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
            throw BenchError("the warm-up object did not load back as stored")
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
        guard blob.size == size else { throw BenchError("stored \(blob.size) bytes instead of \(size)") }
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
        guard count == size else { throw BenchError("loaded \(count) bytes of a \(size)-byte object") }
        return ((opened - start).inSeconds, (done - opened).inSeconds)
    }

    /// The object's file, by the layout `FileBlobStore` documents: `blobs/<last two characters>/<cid>`.
    private func objectPath(_ cid: String) -> String {
        "\(root)/blobs/\(cid.suffix(2))/\(cid)"
    }
}
