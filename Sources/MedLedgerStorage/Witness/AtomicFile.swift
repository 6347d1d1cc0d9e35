import Foundation

/// Replaces a file so that a crash at any moment leaves either the old content or the new, never
/// a mix or nothing: write a temporary file beside it, fsync it, rename it over the target, fsync
/// the directory so the rename itself is durable.
///
/// A witness must never forget a checkpoint it cosigned (it could then be made to cosign a fork),
/// and a node must never lose the cosigned checkpoint it serves, so both write through this.
public enum AtomicFile {
    /// Writes `data` to `path` atomically and durably, with permissions `mode`.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o644) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        let temporary = directory + "/.\(url.lastPathComponent).\(UInt64.random(in: 0...UInt64.max)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw DataDirectoryError("cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            try writeAll(fd, data, path: temporary)
            guard fsync(fd) == 0 else { throw DataDirectoryError("cannot sync \(temporary): \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, path) == 0 else { throw DataDirectoryError("cannot rename onto \(path): \(String(cString: strerror(errno)))") }
        renamed = true
        try syncDirectory(directory)
    }

    /// Creates `path` (failing if it exists) and writes `data` durably; the directory entry too.
    public static func create(_ data: Data, at path: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, mode)
        guard fd >= 0 else { throw DataDirectoryError("cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        try writeAll(fd, data, path: path)
        guard fsync(fd) == 0 else { throw DataDirectoryError("cannot sync \(path)") }
        try syncDirectory(URL(fileURLWithPath: path).deletingLastPathComponent().path)
    }

    /// Makes the directory's entries (a rename, a new file) durable.
    public static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY)
        guard fd >= 0 else { throw DataDirectoryError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw DataDirectoryError("cannot sync \(path): \(String(cString: strerror(errno)))") }
    }

    private static func writeAll(_ fd: Int32, _ data: Data, path: String) throws {
        try data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { throw DataDirectoryError("cannot write \(path): \(String(cString: strerror(errno)))") }
                offset += written
            }
        }
    }
}
