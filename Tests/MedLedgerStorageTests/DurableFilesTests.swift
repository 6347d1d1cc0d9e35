import Foundation
import Testing

@testable import MedLedgerStorage

@Suite("durable files")
struct DurableFilesTests {
    @Test("a bare file name lives in the current directory, so `keys --out k.json` syncs `.`, not a path named ''",
          arguments: [("k.json", "."), ("./k.json", "."), ("dir/k.json", "dir"), ("/tmp/k.json", "/tmp"), ("/k.json", "/")])
    func parentDirectory(path: String, parent: String) {
        #expect(DurableFiles.parentDirectory(of: path) == parent)
    }

    @Test("a file published exclusively lands at its path, with no stray temporary file beside it")
    func publishesRelativePath() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)").path
        try DurableFiles.makeDirectory(directory)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/secret.json"
        #expect(try DurableFiles.publishExclusively(Array("{}".utf8), at: path))
        #expect(FileManager.default.contents(atPath: path) == Data("{}".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["secret.json"])
    }
}
