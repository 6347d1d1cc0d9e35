import Foundation

/// CPU time used so far, in seconds: this process's (user + system), and that of every other process.
public struct CPUSample: Sendable {
    public var wall = Date().timeIntervalSince1970
    public var process = CPUSample.processSeconds()
    public var others = OtherProcesses.cpuSeconds()

    public static func processSeconds() -> Double {
        var usage = rusage()
        #if os(Linux)
        let who = RUSAGE_SELF.rawValue
        #else
        let who = RUSAGE_SELF
        #endif
        guard getrusage(who, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
