import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

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
