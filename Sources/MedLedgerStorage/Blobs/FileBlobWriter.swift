import Dispatch
import Foundation
import MedLedgerCore
import Synchronization

/// Writes one object through a three-stage pipeline: the caller seals plaintext into page-aligned
/// 4 MiB batches, a hashing thread folds each batch into the CID, and a writing thread stores it
/// at its offset in a temporary file (with `O_DIRECT` where the file system allows). At most a few
/// batches are in flight, so memory stays bounded whatever the object's size.
final class FileBlobWriter: BlobWriter {
    private let store: FileBlobStore
    private var sealer: StreamSealer
    private let pipeline: WritePipeline
    private var batch: AlignedBatch
    private var written: Int64 = 0
    private var state: Phase = .open

    private enum Phase { case open, finished }

    init(store: FileBlobStore, sealer: StreamSealer) throws {
        self.store = store
        self.sealer = sealer
        self.pipeline = try WritePipeline(directory: store.temporaryPath)
        self.batch = pipeline.takeBuffer()
        _ = sealer.header.bytes.withUnsafeBytes { batch.append($0) }
    }

    func write(_ bytes: [UInt8]) async throws {
        guard state == .open else { throw BlobStoreError.integrity("the object was already committed or aborted") }
        guard sealer.plaintextCount + Int64(bytes.count) <= store.maxObjectSize else {
            await abort()
            throw BlobStoreError.tooLarge(limit: Int(store.maxObjectSize))
        }
        do {
            try pipeline.checkFailure()
            try bytes.withUnsafeBytes { plaintext in
                try sealer.append(plaintext) { segment in self.take(segment) }
            }
            await pipeline.waitForRoom()
            try pipeline.checkFailure()
        } catch {
            await abort()
            throw error
        }
    }

    func commit() async throws -> StoredBlob {
        guard state == .open else { throw BlobStoreError.integrity("the object was already committed or aborted") }
        state = .finished
        do {
            try sealer.finish { segment in self.take(segment) }
            pipeline.submit(batch, last: true)
            let (cid, size) = try await pipeline.finish()
            try store.publish(temporary: pipeline.temporaryPath, as: cid)
            return StoredBlob(cid: cid.string, size: sealer.plaintextCount, storedSize: size)
        } catch {
            await pipeline.cancel()
            throw error
        }
    }

    func abort() async {
        guard state == .open else { return }
        state = .finished
        await pipeline.cancel()
    }

    /// Copies one sealed segment into the current batch, handing full batches to the pipeline.
    private func take(_ segment: UnsafeRawBufferPointer) {
        var rest = segment
        while !rest.isEmpty {
            let taken = batch.append(rest)
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            if batch.isFull {
                pipeline.submit(batch, last: false)
                batch = pipeline.takeBuffer()
            }
        }
    }
}

/// A page-aligned buffer of ``FileBlobStore/batchSize`` bytes and how much of it is filled.
struct AlignedBatch: @unchecked Sendable {
    let memory: UnsafeMutableRawBufferPointer
    var count = 0

    init() {
        memory = UnsafeMutableRawBufferPointer.allocate(byteCount: FileBlobStore.batchSize, alignment: 4096)
    }

    var isFull: Bool { count == memory.count }

    /// Copies as much of `bytes` as fits; returns how much.
    mutating func append(_ bytes: UnsafeRawBufferPointer) -> Int {
        let taken = min(bytes.count, memory.count - count)
        if taken > 0 {
            (memory.baseAddress! + count).copyMemory(from: bytes.baseAddress!, byteCount: taken)
            count += taken
        }
        return taken
    }

    func deallocate() { memory.deallocate() }
}

/// The hashing and writing stages of one object, on two serial queues, with a bounded number of
/// batches in flight.
final class WritePipeline: @unchecked Sendable {
    let temporaryPath: String
    private let descriptor: Int32
    private let direct: Bool
    private let hashQueue = DispatchQueue(label: "medledger.blobs.hash")
    private let writeQueue = DispatchQueue(label: "medledger.blobs.write")
    /// Touched only on `hashQueue`.
    private var builder = UnixFSFileBuilder()
    /// Touched only on `writeQueue`.
    private var offset: Int64 = 0
    /// Batches submitted and not yet written.
    static let maxInFlight = 3

    private struct Shared {
        var inFlight = 0
        var free: [AlignedBatch] = []
        var allocated: [AlignedBatch] = []
        var failure: (any Error)?
        var roomWaiters: [CheckedContinuation<Void, Never>] = []
        var drainWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let shared = Mutex(Shared())
    /// Set when the descriptor is closed: `commit` cancels after a failed publish, when `finish`
    /// has already closed it, and a descriptor number closed twice may by then be another file's.
    private let descriptorClosed = Atomic<Bool>(false)

    init(directory: String) throws {
        temporaryPath = "\(directory)/\(UUID().uuidString).part"
        var fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | directIOFlag, 0o600)
        var direct = directIOFlag != 0
        if fd < 0, errno == EINVAL {
            // The file system has no direct I/O (tmpfs, some overlays): buffered writes instead.
            fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            direct = false
        }
        guard fd >= 0 else { throw FileBlobStoreError("cannot create \(temporaryPath): \(String(cString: strerror(errno)))") }
        self.descriptor = fd
        self.direct = direct
    }

    /// A free batch buffer, allocating one when none is free.
    func takeBuffer() -> AlignedBatch {
        shared.withLock { shared in
            if var batch = shared.free.popLast() {
                batch.count = 0
                return batch
            }
            let batch = AlignedBatch()
            shared.allocated.append(batch)
            return batch
        }
    }

    /// Throws the first error a stage met.
    func checkFailure() throws {
        if let failure = shared.withLock({ $0.failure }) { throw failure }
    }

    /// Hashes then writes `batch`; the buffer returns to the free list once written.
    func submit(_ batch: AlignedBatch, last: Bool) {
        shared.withLock { $0.inFlight += 1 }
        hashQueue.async {
            self.builder.append(UnsafeRawBufferPointer(rebasing: batch.memory[0..<batch.count]))
            self.writeQueue.async {
                self.write(batch, last: last)
            }
        }
    }

    /// Returns once no more than ``maxInFlight`` batches wait, so a fast producer cannot queue
    /// the whole file in memory.
    func waitForRoom() async {
        await withCheckedContinuation { continuation in
            let ready = shared.withLock { shared -> Bool in
                if shared.inFlight <= Self.maxInFlight || shared.failure != nil { return true }
                shared.roomWaiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Waits for every batch, syncs the file and gives the CID and stored size.
    func finish() async throws -> (ContentID, Int64) {
        await drain()
        try checkFailure()
        let cid = hashQueue.sync { () -> ContentID in
            let finished = builder
            return finished.finish()
        }
        let size = writeQueue.sync { offset }
        if direct, size % 4096 != 0 {
            // The last batch was padded to the device's alignment: cut the padding off.
            guard ftruncate(descriptor, off_t(size)) == 0 else {
                throw FileBlobStoreError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
            }
        }
        guard fdatasync(descriptor) == 0 else { throw FileBlobStoreError("cannot sync \(temporaryPath): \(String(cString: strerror(errno)))") }
        closeDescriptor()
        releaseBuffers()
        return (cid, size)
    }

    /// Stops, waits for batches in flight and deletes the temporary file.
    func cancel() async {
        shared.withLock { if $0.failure == nil { $0.failure = CancellationError() } }
        await drain()
        closeDescriptor()
        unlink(temporaryPath)
        releaseBuffers()
    }

    /// A pipeline dropped without `finish` or `cancel` (its writer was abandoned): stages hold the
    /// pipeline while they run, so none is running now; release the file, the temporary file and
    /// the buffers rather than leak them.
    deinit {
        if !descriptorClosed.load(ordering: .acquiring) {
            closeDescriptor()
            unlink(temporaryPath)
        }
        releaseBuffers()
    }

    /// Closes the temporary file's descriptor, once.
    private func closeDescriptor() {
        guard descriptorClosed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        close(descriptor)
    }

    private func drain() async {
        await withCheckedContinuation { continuation in
            let done = shared.withLock { shared -> Bool in
                if shared.inFlight == 0 { return true }
                shared.drainWaiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    private func releaseBuffers() {
        let buffers = shared.withLock { shared -> [AlignedBatch] in
            defer { shared.allocated = []; shared.free = [] }
            return shared.allocated
        }
        for buffer in buffers { buffer.deallocate() }
    }

    /// Runs on `writeQueue`.
    private func write(_ batch: AlignedBatch, last: Bool) {
        var failure: (any Error)?
        if shared.withLock({ $0.failure == nil }) {
            var length = batch.count
            if direct, last, length % 4096 != 0 {
                // Direct I/O writes whole blocks: pad with zeros, cut back in `finish`.
                let padded = (length + 4095) / 4096 * 4096
                (batch.memory.baseAddress! + length).initializeMemory(as: UInt8.self, repeating: 0, count: padded - length)
                length = padded
            }
            var done = 0
            while done < length {
                let wrote = pwrite(descriptor, batch.memory.baseAddress! + done, length - done, off_t(offset) + off_t(done))
                if wrote < 0 {
                    if errno == EINTR { continue }
                    failure = FileBlobStoreError("cannot write \(temporaryPath): \(String(cString: strerror(errno)))")
                    break
                }
                done += wrote
            }
            offset += Int64(batch.count)
        }
        let waiters = shared.withLock { shared -> [CheckedContinuation<Void, Never>] in
            if let failure, shared.failure == nil { shared.failure = failure }
            shared.inFlight -= 1
            shared.free.append(batch)
            var ready: [CheckedContinuation<Void, Never>] = []
            if shared.inFlight <= Self.maxInFlight || shared.failure != nil {
                ready += shared.roomWaiters
                shared.roomWaiters = []
            }
            if shared.inFlight == 0 {
                ready += shared.drainWaiters
                shared.drainWaiters = []
            }
            return ready
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// Linux's `O_DIRECT`, which Swift's Glibc module does not export; its value depends on the
/// architecture. Zero (buffered writes) where it is not known.
#if os(Linux) && (arch(x86_64) || arch(i386))
let directIOFlag: Int32 = 0o40000
#elseif os(Linux) && (arch(arm64) || arch(arm))
let directIOFlag: Int32 = 0o200000
#else
let directIOFlag: Int32 = 0
#endif
