import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Standard-error progress for long runs, drawn only on a terminal, so that JSON on standard output
/// stays clean and logs of CI runs stay short.
public struct TerminalProgress: Sendable {
    /// Whether standard error is a terminal; nothing is drawn otherwise.
    public let enabled: Bool

    public init() {
        enabled = isatty(STDERR_FILENO) == 1
    }

    /// A counter on one line that redraws itself (`label: done/total (percent)`).
    public func show(_ label: String, _ done: Int, _ total: Int) {
        guard enabled, total > 0 else { return }
        let percent = Int(Double(done) / Double(total) * 100)
        FileHandle.standardError.write(Data("\r\(label): \(done)/\(total) (\(percent)%)   ".utf8))
        if done >= total { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    /// One line of progress.
    public func line(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
