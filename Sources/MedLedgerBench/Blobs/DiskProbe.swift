import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

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
        BlobBench.randomBytes(blockSize).withUnsafeBytes { buffer.copyMemory(from: $0) }
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
        guard buffered >= 0 else { throw BenchError("cannot create \(bufferedPath): \(String(cString: strerror(errno)))") }
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
            guard wrote > 0 else { throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += Int64(wrote)
        }
        guard fdatasync(fd) == 0 else { throw BenchError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    private static func readAll(_ path: String, _ buffer: UnsafeMutableRawBufferPointer, total: Int64) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw BenchError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        posix_fadvise(fd, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        var offset: Int64 = 0
        while offset < total {
            let got = pread(fd, buffer.baseAddress!, buffer.count, off_t(offset))
            if got < 0, errno == EINTR { continue }
            guard got > 0 else { throw BenchError("cannot read \(path): \(String(cString: strerror(errno)))") }
            offset += Int64(got)
        }
    }
}
