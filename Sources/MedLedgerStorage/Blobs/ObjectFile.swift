import Foundation
import MedLedgerCore
import Synchronization

/// One stored object opened for reading: its descriptor, size and time, and the check that every
/// byte hashes to the CID it is stored under.
///
/// The descriptor stays open from the check to the last read, so a rename over the path in
/// between cannot swap the bytes being decrypted.
final class ObjectFile: @unchecked Sendable {
    let path: String
    let descriptor: Int32
    let size: Int64
    /// Modification time in milliseconds since the epoch: when the object was stored.
    let modified: Int64
    /// Which file, at which state, the descriptor holds: changes when the file is replaced,
    /// rewritten or touched.
    let identity: Identity
    /// Bytes read per call while hashing.
    static let readSize = 4 << 20

    /// Device, inode, size and the modification and change times (nanoseconds). The change time
    /// cannot be set back by a user-space tool, so an unchanged identity means unchanged bytes.
    struct Identity: Hashable, Sendable {
        let device: UInt64
        let inode: UInt64
        let size: Int64
        let modified: Int64
        let changed: Int64
    }

    /// Opens `path`; ``BlobStoreError/notFound`` when there is no such file.
    init(path: String) throws {
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { throw BlobStoreError.notFound }
            throw FileBlobStoreError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            Foundation.close(fd)
            throw FileBlobStoreError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
        self.modified = Int64(info.st_mtim.tv_sec) * 1000 + Int64(info.st_mtim.tv_nsec) / 1_000_000
        self.identity = Identity(
            device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
            modified: Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec),
            changed: Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        )
    }

    private let closed = Atomic<Bool>(false)

    /// Closes the descriptor once, whoever calls first.
    func close() {
        guard closed.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        Foundation.close(descriptor)
    }

    deinit { close() }

    /// Hashes the whole file as IPFS would and compares with `cid`, then parses the header.
    /// Throws ``BlobStoreError/integrity(_:)`` on any difference or a malformed header.
    func verify(_ cid: ContentID) throws -> SealedObjectHeader {
        posix_fadvise(descriptor, 0, 0, Int32(POSIX_FADV_SEQUENTIAL))
        var builder = UnixFSFileBuilder()
        var prefix: [UInt8] = []
        // Small objects (most notes) get a small buffer: a 4 MiB allocation per check is an mmap
        // and munmap each time, which dominated tallies of many small versions.
        let bufferSize = Int(min(Int64(Self.readSize), max(size, 1)))
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bufferSize, alignment: 4096)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while offset < size {
            let count = try read(into: buffer, at: offset, count: Int(min(Int64(bufferSize), size - offset)))
            guard count > 0 else { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if prefix.count < SealedObjectHeader.maxSize {
                prefix += chunk.prefix(SealedObjectHeader.maxSize - prefix.count)
            }
            builder.append(chunk)
            offset += Int64(count)
        }
        guard offset == size, builder.finish() == cid else {
            throw BlobStoreError.integrity("the stored bytes do not hash to \(cid): the object was altered, truncated or replaced")
        }
        return try SealedObjectHeader(parsing: prefix)
    }

    /// The first `count` bytes (fewer if the file is shorter).
    func readPrefix(_ count: Int) throws -> [UInt8] {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 16)
        defer { buffer.deallocate() }
        let got = try read(into: buffer, at: 0, count: count)
        return Array(buffer[0..<got])
    }

    /// Reads up to `count` bytes at `offset` (fewer only at the end of the file).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, count: Int) throws -> Int {
        var done = 0
        while done < count {
            let got = pread(descriptor, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            if got < 0 {
                if errno == EINTR { continue }
                throw FileBlobStoreError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if got == 0 { break }
            done += got
        }
        return done
    }
}
