import Foundation
import Testing

import MedLedgerFuzzTargets

/// The committed fuzzing corpus doubles as regression tests: every file under
/// `Tests/Fuzz/Corpus/<target>/` runs through its target on every `swift test`.
@Suite("fuzz corpus replay")
struct CorpusReplayTests {
    /// `Tests/Fuzz/Corpus`, found from this file's path so the test runs from any directory.
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fuzz/Corpus")

    static func inputs(of target: FuzzTarget) -> [URL] {
        let folder = corpus.appendingPathComponent(target.rawValue)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.sorted().map { folder.appendingPathComponent($0) }
    }

    @Test("every committed corpus input passes its target's invariants", arguments: FuzzTarget.allCases)
    func replaysCorpus(target: FuzzTarget) throws {
        let inputs = Self.inputs(of: target)
        // Every target has seeds; an empty folder means the corpus was not found or not committed.
        #expect(!inputs.isEmpty, "no corpus for \(target.rawValue) in \(Self.corpus.path)")
        for input in inputs {
            let bytes = try [UInt8](Data(contentsOf: input))
            #expect(throws: Never.self, "\(target.rawValue)/\(input.lastPathComponent)") { try target.check(bytes) }
        }
    }

    @Test("every corpus folder names a target")
    func foldersNameTargets() throws {
        let folders = try FileManager.default.contentsOfDirectory(atPath: Self.corpus.path)
        for folder in folders {
            #expect(FuzzTarget(rawValue: folder) != nil, "Tests/Fuzz/Corpus/\(folder) is not a fuzz target")
        }
    }

    @Test("the seed builder makes inputs that pass every target")
    func freshSeedsPass() throws {
        for (target, seeds) in try FuzzSeeds.make() {
            for seed in seeds {
                #expect(throws: Never.self, "\(target.rawValue)/\(seed.name)") { try target.check(seed.bytes) }
            }
        }
    }
}
