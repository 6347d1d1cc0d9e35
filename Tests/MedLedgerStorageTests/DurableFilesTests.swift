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

    static func scratch() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("durable-\(UUID().uuidString)").path
        try DurableFiles.makeDirectory(directory)
        return directory
    }

    @Test("a directory is made with its missing parents, owner-only; an existing one is fine, a file in its place is refused")
    func makesDirectories() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let nested = root + "/a/b/c"
        try DurableFiles.makeDirectory(nested)
        var isDirectory: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue)
        let mode = try FileManager.default.attributesOfItem(atPath: nested)[.posixPermissions] as? Int
        #expect(mode == 0o700)
        try DurableFiles.makeDirectory(nested)
        try DurableFiles.replace(Array("x".utf8), at: root + "/plain")
        #expect(throws: FileBlobStoreError.self) { try DurableFiles.makeDirectory(root + "/plain") }
    }

    @Test("replacing a file swaps its whole content, owner-only, and leaves no temporary file")
    func replacesAtomically() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/checkpoint"
        try DurableFiles.replace(Array("first version".utf8), at: path)
        try DurableFiles.replace(Array("second".utf8), at: path)
        #expect(FileManager.default.contents(atPath: path) == Data("second".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["checkpoint"])
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int == 0o600)
    }

    @Test("publishing exclusively never overwrites: the second writer learns the file exists and the first content stays")
    func publishesOnce() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = root + "/key"
        #expect(try DurableFiles.publishExclusively(Array("one".utf8), at: path))
        #expect(try DurableFiles.publishExclusively(Array("two".utf8), at: path) == false)
        #expect(FileManager.default.contents(atPath: path) == Data("one".utf8))
        #expect(try FileManager.default.contentsOfDirectory(atPath: root) == ["key"])
    }

    @Test("reading gives nil for a missing file, the whole of a short one, and at most the limit of a long one")
    func readsWithLimit() throws {
        let root = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(try DurableFiles.readFile(root + "/missing", limit: 10) == nil)
        let bytes = (0..<100).map { UInt8($0) }
        try DurableFiles.replace(bytes, at: root + "/data")
        #expect(try DurableFiles.readFile(root + "/data", limit: 200) == bytes)
        #expect(try DurableFiles.readFile(root + "/data", limit: 33) == Array(bytes[..<33]))
        #expect(try DurableFiles.readFile(root + "/empty-then", limit: 1) == nil)
        #expect(throws: FileBlobStoreError.self) { try DurableFiles.readFile(root + "/data/not-a-directory", limit: 1) }
        #expect(throws: FileBlobStoreError.self) { try DurableFiles.syncDirectory(root + "/missing") }
    }
}
