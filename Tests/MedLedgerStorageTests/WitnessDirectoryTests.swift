import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage
import Testing

@Suite("witness directory")
struct WitnessDirectoryTests {
    let log = NoteSigningKey(name: "example.com/log", privateKey: Curve25519.Signing.PrivateKey())

    func temporary() -> WitnessDirectory {
        WitnessDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("witness-dir-\(UUID().uuidString)").path)
    }

    func note(size: UInt64, rootByte: UInt8 = 1) throws -> SignedNote {
        let root = Base64Coding.standard([UInt8](repeating: rootByte, count: 32))
        return try log.sign(text: "\(log.name)\n\(size)\n\(root)\n")
    }

    @Test("init writes a 0600 key and the trusted logs, reads them back, and refuses to run twice or with a witness key as a log")
    func initialise() throws {
        let directory = temporary()
        defer { try? FileManager.default.removeItem(at: directory.url) }
        let key = try directory.initialise(name: "witness.example/w", logKeys: [log.verifierKey])
        #expect(try directory.readKey().verifierKey == key.verifierKey)
        #expect(try directory.readTrustedLogs() == [log.verifierKey])
        let mode = try FileManager.default.attributesOfItem(atPath: directory.keyPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(throws: DataDirectoryError.self) { try directory.initialise(name: "witness.example/w", logKeys: [log.verifierKey]) }
        let other = temporary()
        #expect(throws: DataDirectoryError.self) { try other.initialise(name: "w", logKeys: [key.verifierKey]) }
    }

    @Test("records survive a reopen, one file per origin replaced in place; a file renamed to another origin is refused")
    func records() throws {
        let directory = temporary()
        defer { try? FileManager.default.removeItem(at: directory.url) }
        _ = try directory.initialise(name: "witness.example/w", logKeys: [log.verifierKey])
        try directory.saveRecord(try WitnessRecord(checkpoint: try note(size: 3)))
        try directory.saveRecord(try WitnessRecord(checkpoint: try note(size: 8)))
        #expect(try directory.readRecords()["example.com/log"]?.size == 8)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.checkpointsURL.path)
        #expect(files == ["example.com%2Flog.note"])
        try FileManager.default.moveItem(
            atPath: directory.checkpointsURL.appendingPathComponent(files[0]).path,
            toPath: directory.checkpointsURL.appendingPathComponent("other.note").path)
        #expect(throws: DataDirectoryError.self) { try directory.readRecords() }
    }

    @Test("two pieces of evidence in the same millisecond get two files, each the body verbatim; a replayed request is kept once")
    func evidenceNames() throws {
        let directory = temporary()
        defer { try? FileManager.default.removeItem(at: directory.url) }
        _ = try directory.initialise(name: "witness.example/w", logKeys: [log.verifierKey])
        let record = try WitnessRecord(checkpoint: try note(size: 4))
        let request = AddCheckpointRequest(oldSize: 4, proof: [], checkpoint: try note(size: 4, rootByte: 2))
        let evidence = WitnessEvidence(reason: .fork, request: request, record: record)
        let first = try directory.keepEvidence(evidence, body: Array("one".utf8), receivedAt: 1_795_000_000_123)
        let second = try directory.keepEvidence(evidence, body: Array("two".utf8), receivedAt: 1_795_000_000_123)
        #expect(first != second)
        let digest = Hex.encode(Array(SHA256.hash(data: Array("one".utf8)).prefix(8)))
        #expect(first.hasSuffix("/20261118T110640.123Z-fork-example.com%2Flog-\(digest).request"))
        #expect(Set(try directory.evidenceFiles()) == [first, second])
        #expect(try String(contentsOfFile: second, encoding: .utf8) == "two")
        let replayed = try directory.keepEvidence(evidence, body: Array("one".utf8), receivedAt: 1_795_000_009_000)
        #expect(replayed == first)
        #expect(try directory.evidenceFiles().count == 2)
    }

    @Test("the node's witnessed-checkpoint file round-trips and is absent until saved")
    func witnessedCheckpointStore() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("witnessed-\(UUID().uuidString).note").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let store = FileWitnessedCheckpointStore(path: path)
        #expect(try store.load() == nil)
        try store.save(try note(size: 2))
        let latest = try note(size: 5)
        try store.save(latest)
        #expect(try store.load() == latest)
    }
}
