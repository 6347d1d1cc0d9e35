import Foundation

/// CPU time of every other process, to say how busy the machine was during a measurement. Counts
/// each process's own time and its reaped children's (so compilers started and finished by a
/// build that is still running are counted through the build).
public enum OtherProcesses {
    public static func cpuSeconds() -> Double? {
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
