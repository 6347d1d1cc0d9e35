import Foundation

// What every benchmark reports about where and how busy it ran.

/// Where the figures were taken.
public struct MachineInfo: Encodable, Sendable {
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
    public var loadAverageEnd: [Double] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case cores, memory_gib, cpu, os, build, load_average_start
        case loadAverageEnd = "load_average_end"
    }

    public static func loadAverage() -> [Double] {
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

