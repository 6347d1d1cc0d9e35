import Foundation
import SystemPackage

/// Crash-safe writes, shared by the content store, the key files and the witness's records: a
/// crash at any moment leaves the old file or the new, never a mix.
///
/// File descriptors, reads, writes and their errors go through swift-system (`FileDescriptor`,
/// typed `Errno`, retried on `EINTR`). swift-system 1.8 has no `fsync`, `mkdir`, `rename`, `link`
/// or `unlink`; those few calls go through ``posix(_:)``, which turns their result into the same
/// `Errno`.
enum DurableFiles {
    /// Creates `path` (mode 0700) if missing, with any missing parents, and makes each new entry
    /// durable in its parent.
    static func makeDirectory(_ path: String) throws {
        do {
            try posix { mkdir(path, 0o700) }
            try syncDirectory(parentDirectory(of: path))
        } catch Errno.fileExists {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw FileBlobStoreError("\(path) exists and is not a directory")
            }
        } catch Errno.noSuchFileOrDirectory where !parentDirectory(of: path).isEmpty && parentDirectory(of: path) != path {
            // A missing parent: create the chain, then retry this one.
            try makeDirectory(parentDirectory(of: path))
            try makeDirectory(path)
        } catch let error as Errno {
            throw FileBlobStoreError("cannot create \(path): \(error)")
        }
    }

    /// The file's bytes, or nil when it does not exist. Reads at most `limit` bytes, so callers
    /// pass one more than they accept to detect overlong files.
    static func readFile(_ path: String, limit: Int) throws -> [UInt8]? {
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec])
        } catch Errno.noSuchFileOrDirectory {
            return nil
        } catch let error as Errno {
            throw FileBlobStoreError("cannot open \(path): \(error)")
        }
        return try file.closeAfter {
            var bytes = [UInt8](repeating: 0, count: limit)
            var count = 0
            while count < limit {
                let got: Int
                do {
                    got = try bytes.withUnsafeMutableBytes { try file.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[count...])) }
                } catch let error as Errno {
                    throw FileBlobStoreError("cannot read \(path): \(error)")
                }
                if got == 0 { break }
                count += got
            }
            bytes.removeSubrange(count...)
            return bytes
        }
    }

    /// Writes `bytes` to `path` atomically: temp file in the same directory, fsync, rename over
    /// any existing file, fsync the directory.
    static func replace(_ bytes: [UInt8], at path: String) throws {
        let temp = try writeTemporary(bytes, besides: path)
        do {
            try posix { rename(temp, path) }
        } catch {
            _ = try? posix { unlink(temp) }
            throw FileBlobStoreError("cannot rename into \(path): \(error)")
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
        defer { _ = try? posix { unlink(temp) } }
        do {
            try posix { link(temp, path) }
        } catch Errno.fileExists {
            return false
        } catch Errno.notPermitted, Errno.notSupported, Errno.notSupportedOnSocket {
            let file: FileDescriptor
            do {
                file = try FileDescriptor.open(
                    FilePath(path), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec], permissions: [.ownerReadWrite]
                )
            } catch Errno.fileExists {
                return false
            } catch let error as Errno {
                throw FileBlobStoreError("cannot create \(path): \(error)")
            }
            try file.closeAfter { try writeAll(bytes, to: file, path: path) }
        } catch {
            throw FileBlobStoreError("cannot create \(path): \(error)")
        }
        try syncDirectory(parentDirectory(of: path))
        return true
    }

    /// Writes and fsyncs `bytes` to a fresh `.tmp-*` file (mode 0600, `O_EXCL`) in `path`'s directory.
    private static func writeTemporary(_ bytes: [UInt8], besides path: String) throws -> String {
        let directory = parentDirectory(of: path)
        let temp = "\(directory)/.tmp-\(UUID().uuidString)"
        let file: FileDescriptor
        do {
            file = try FileDescriptor.open(
                FilePath(temp), .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec], permissions: [.ownerReadWrite]
            )
        } catch let error as Errno {
            throw FileBlobStoreError("cannot create a file in \(directory): \(error)")
        }
        do {
            try file.closeAfter { try writeAll(bytes, to: file, path: temp) }
        } catch {
            _ = try? posix { unlink(temp) }
            throw error
        }
        return temp
    }

    /// Writes every byte (retrying short and interrupted writes), then fsyncs the file.
    private static func writeAll(_ bytes: [UInt8], to file: FileDescriptor, path: String) throws {
        do {
            _ = try file.writeAll(bytes)
        } catch let error as Errno {
            throw FileBlobStoreError("cannot write \(path): \(error)")
        }
        try sync(file, path: path)
    }

    /// The directory holding `path`; `.` for a bare file name, which has no directory part to strip.
    static func parentDirectory(of path: String) -> String {
        let parent = (path as NSString).deletingLastPathComponent
        return parent.isEmpty ? "." : parent
    }

    /// fsyncs a directory so entries created, renamed or linked in it survive a crash.
    static func syncDirectory(_ path: String) throws {
        let directory: FileDescriptor
        do {
            directory = try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
        } catch let error as Errno {
            throw FileBlobStoreError("cannot open \(path): \(error)")
        }
        try directory.closeAfter { try sync(directory, path: path) }
    }

    /// Flushes an open file or directory to stable storage.
    private static func sync(_ file: FileDescriptor, path: String) throws {
        do {
            try posix { fsync(file.rawValue) }
        } catch {
            throw FileBlobStoreError("cannot sync \(path): \(error)")
        }
    }

    /// Runs a C call that returns 0 on success and -1 with `errno` set, retrying on `EINTR`, and
    /// throws its failure as swift-system's `Errno`.
    private static func posix(_ call: () -> Int32) throws(Errno) {
        while call() != 0 {
            let error = Errno(rawValue: errno)
            guard error == .interrupted else { throw error }
        }
    }
}
