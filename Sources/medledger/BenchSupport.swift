import Foundation

// What every benchmark reports about where and how busy it ran.

/// Where the figures were taken.
struct MachineInfo: Encodable {
    var cores = ProcessInfo.processInfo.activeProcessorCount
    var memory_gib = (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10
    var cpu = MachineInfo.cpuModel()
    var os = ProcessInfo.processInfo.operatingSystemVersionString
    #if DEBUG
    var build = "debug"
    #else
    var build = "release"
    #endif
    /// 1, 5 and 15-minute load averages when the benchmark started and ended (other work on the machine).
    var load_average_start = MachineInfo.loadAverage()
    var loadAverageEnd: [Double] = []

    enum CodingKeys: String, CodingKey {
        case cores, memory_gib, cpu, os, build, load_average_start
        case loadAverageEnd = "load_average_end"
    }

    static func loadAverage() -> [Double] {
        var values = [Double](repeating: 0, count: 3)
        let count = getloadavg(&values, 3)
        return count == 3 ? values.map { ($0 * 100).rounded() / 100 } : []
    }

    static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            if let colon = line.firstIndex(of: ":") { return line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        return "unknown"
    }
}

/// CPU time used so far, in seconds: this process's (user + system), and that of every other process.
struct CPUSample {
    var wall = Date().timeIntervalSince1970
    var process = CPUSample.processSeconds()
    var others = OtherProcesses.cpuSeconds()

    static func processSeconds() -> Double {
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

/// CPU time of every other process, to say how busy the machine was during a measurement. Counts
/// each process's own time and its reaped children's (so compilers started and finished by a
/// build that is still running are counted through the build).
enum OtherProcesses {
    static func cpuSeconds() -> Double? {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard ticks > 0, let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return nil }
        let me = String(getpid())
        var total = 0.0
        for pid in pids where pid != me && pid.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let nameEnd = text.lastIndex(of: ")")
            else { continue }
            // After the command name come field 3 (state) onwards: utime, stime, cutime, cstime
            // are fields 14 to 17.
            let fields = text[text.index(after: nameEnd)...].split(separator: " ")
            guard fields.count > 14 else { continue }
            total += fields[11...14].compactMap { Double($0) }.reduce(0, +)
        }
        return total / ticks
    }
}

extension Array where Element == Double {
    /// The middle value (the mean of the two middle ones for an even count); 0 when empty.
    var median: Double {
        guard !isEmpty else { return 0 }
        let sorted = self.sorted()
        return count % 2 == 1 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2
    }
}
