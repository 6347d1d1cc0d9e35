import Foundation

/// Small POSIX helpers for crash-safe writes, shared by the content store, the key files and the
/// witness's records: a crash at any moment leaves the old file or the new, never a mix.
enum DurableFiles {
    /// Creates `path` (mode 0700) if missing and makes the new entry durable in its parent.
    static func makeDirectory(_ path: String) throws {
        if mkdir(path, 0o700) == 0 {
            try syncDirectory(parentDirectory(of: path))
            return
        }
        let error = errno
        if error == EEXIST {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw FileBlobStoreError("\(path) exists and is not a directory")
            }
            return
        }
        let parent = parentDirectory(of: path)
        if error == ENOENT, !parent.isEmpty, parent != path {
            // A missing parent: create the chain, then retry this one.
            try makeDirectory(parent)
            return try makeDirectory(path)
        }
        throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(error)))")
    }

    /// The file's bytes, or nil when it does not exist. Reads at most `limit` bytes, so callers
    /// pass one more than they accept to detect overlong files.
    static func readFile(_ path: String, limit: Int) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let error = errno
            if error == ENOENT { return nil }
            throw FileBlobStoreError("cannot open \(path): \(String(cString: strerror(error)))")
        }
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: limit)
        var count = 0
        while count < limit {
            let got = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress! + count, limit - count) }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw FileBlobStoreError("cannot read \(path): \(String(cString: strerror(errno)))")
            }
            count += got
        }
        bytes.removeSubrange(count...)
        return bytes
    }

    /// Writes `bytes` to `path` atomically: temp file in the same directory, fsync, rename over
    /// any existing file, fsync the directory.
    static func replace(_ bytes: [UInt8], at path: String) throws {
        let temp = try writeTemporary(bytes, besides: path)
        guard rename(temp, path) == 0 else {
            let error = errno
            unlink(temp)
            throw FileBlobStoreError("cannot rename into \(path): \(String(cString: strerror(error)))")
        }
        try syncDirectory(parentDirectory(of: path))
    }

    /// Creates `path` holding exactly `bytes` unless it already exists; true when this call
    /// created it.
    ///
    /// The content is written and fsync'd under a temporary name created with `O_EXCL`, then
    /// hard-linked to `path`; `link` fails if `path` exists, so the exclusive create is atomic
    /// and nobody ever sees a half-written file. On file systems without hard links it falls
    /// back to `O_EXCL` on `path` itself.
    static func publishExclusively(_ bytes: [UInt8], at path: String) throws -> Bool {
        let temp = try writeTemporary(bytes, besides: path)
        defer { unlink(temp) }
        if link(temp, path) != 0 {
            let error = errno
            if error == EEXIST { return false }
            guard error == EPERM || error == ENOTSUP || error == EOPNOTSUPP else {
                throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(error)))")
            }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                if errno == EEXIST { return false }
                throw FileBlobStoreError("cannot create \(path): \(String(cString: strerror(errno)))")
            }
            defer { close(fd) }
            try writeAll(bytes, to: fd, path: path)
        }
        try syncDirectory(parentDirectory(of: path))
        return true
    }

    /// Writes and fsyncs `bytes` to a fresh `.tmp-*` file (mode 0600, `O_EXCL`) in `path`'s directory.
    private static func writeTemporary(_ bytes: [UInt8], besides path: String) throws -> String {
        let directory = parentDirectory(of: path)
        let temp = "\(directory)/.tmp-\(UUID().uuidString)"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileBlobStoreError("cannot create a file in \(directory): \(String(cString: strerror(errno)))") }
        do {
            try writeAll(bytes, to: fd, path: temp)
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        return temp
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { throw FileBlobStoreError("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
        guard fsync(fd) == 0 else { throw FileBlobStoreError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    /// The directory holding `path`; `.` for a bare file name, which has no directory part to strip.
    static func parentDirectory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// fsyncs a directory so entries created, renamed or linked in it survive a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw FileBlobStoreError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw FileBlobStoreError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
