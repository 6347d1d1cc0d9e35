#if !FUZZING
import Foundation
import MedLedgerFuzzTargets

/// `medledger-fuzz` without libFuzzer: replays inputs through a target (so a crash the fuzzers
/// saved can be re-run under a debugger or in an ordinary build), lists the targets, and writes
/// the seed corpus.
@main
struct MedLedgerFuzzCommand {
    static let usage = """
        usage: medledger-fuzz list
               medledger-fuzz replay <target> <file or directory>...
               medledger-fuzz seeds <corpus directory>
        Fuzzing itself needs a build with -sanitize=fuzzer -DFUZZING; see docs/FUZZING.md.
        """

    static func main() {
        let arguments = Array(CommandLine.arguments.dropFirst())
        switch arguments.first {
        case "list":
            for target in FuzzTarget.allCases { print(target.rawValue) }
        case "replay" where arguments.count >= 3:
            guard let target = FuzzTarget(rawValue: arguments[1]) else { fail("unknown target \(arguments[1])") }
            var count = 0
            for path in arguments.dropFirst(2) {
                for file in files(at: path) {
                    guard let data = FileManager.default.contents(atPath: file) else { fail("cannot read \(file)") }
                    do {
                        try target.check(Array(data))
                    } catch {
                        fail("\(file): \(error.description)")
                    }
                    count += 1
                }
            }
            print("\(target.rawValue): \(count) inputs replayed, no failures")
        case "seeds" where arguments.count == 2:
            writeSeeds(to: arguments[1])
        default:
            fail(usage)
        }
    }

    /// `path` itself, or the regular files directly inside it, sorted.
    static func files(at path: String) -> [String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { fail("no such file: \(path)") }
        guard isDirectory.boolValue else { return [path] }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.sorted().map { path + "/" + $0 }.filter { file in
            var nested: ObjCBool = false
            return FileManager.default.fileExists(atPath: file, isDirectory: &nested) && !nested.boolValue
        }
    }

    /// Writes every target's seeds to `<directory>/<target>/seed-<name>`.
    static func writeSeeds(to directory: String) {
        do {
            for (target, seeds) in try FuzzSeeds.make() {
                let folder = directory + "/" + target.rawValue
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                for seed in seeds {
                    try Data(seed.bytes).write(to: URL(fileURLWithPath: folder + "/seed-" + seed.name))
                }
                print("\(target.rawValue): \(seeds.count) seeds")
            }
        } catch {
            fail("cannot write seeds: \(error)")
        }
    }

    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        exit(1)
    }
}
#endif
