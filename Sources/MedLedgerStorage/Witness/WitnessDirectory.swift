import Crypto
import Foundation
import MedLedgerCore

/// A witness's own directory, apart from any ledger's data (`witness-data/` by default):
///
/// ```
/// witness-data/
///   witness-key.json           the witness's name and Ed25519 cosigning key (0600)
///   trusted-logs               the logs' verifier keys, one per line ('#' starts a comment)
///   checkpoints/<origin>.note  per log, the latest cosigned checkpoint, replaced atomically
///   evidence/<time>-<reason>-<origin>.request   refused requests that may prove a fork, verbatim
///   evidence/<time>-<reason>-<origin>.json      why, and the checkpoint it conflicts with
/// ```
/// `<origin>` is percent-encoded so any origin maps to one safe file name.
public struct WitnessDirectory: Sendable {
    public let url: URL

    public init(path: String) {
        self.url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var keyPath: String { url.appendingPathComponent("witness-key.json").path }
    public var trustedLogsPath: String { url.appendingPathComponent("trusted-logs").path }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints", isDirectory: true) }
    public var evidenceURL: URL { url.appendingPathComponent("evidence", isDirectory: true) }

    /// True once `medledger witness init` has run here.
    public var isInitialized: Bool { FileManager.default.fileExists(atPath: keyPath) }

    /// Creates the directory with a new key and the trusted logs; refuses an initialised one.
    public func initialise(name: String, logKeys: [NoteVerifierKey]) throws -> CosignerKey {
        guard NoteKeyName.isValid(name) else { throw DataDirectoryError("the witness name must be non-empty, without spaces or '+'") }
        guard !isInitialized else { throw DataDirectoryError("\(url.path) is already a witness directory") }
        guard logKeys.allSatisfy({ $0.type == .ed25519 }) else { throw DataDirectoryError("a log key must be an Ed25519 note key (type 0x01)") }
        for directory in [url, checkpointsURL, evidenceURL] {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        try writeTrustedLogs(logKeys)
        let key = CosignerKey(name: name)
        let file = KeyFile(name: name, ed25519PrivateKey: Base64Coding.standard(key.privateKey.rawRepresentation))
        try DataDirectory.writeSecret(try JSONEncoder().encode(file), to: keyPath)
        return key
    }

    /// Reads the cosigning key.
    public func readKey() throws -> CosignerKey {
        let file = try JSONDecoder().decode(KeyFile.self, from: Data(contentsOf: URL(fileURLWithPath: keyPath)))
        guard NoteKeyName.isValid(file.name), let raw = Base64Coding.decodeStandard(file.ed25519PrivateKey),
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
        else { throw DataDirectoryError("\(keyPath) is malformed") }
        return CosignerKey(name: file.name, privateKey: key)
    }

    /// The trusted logs' verifier keys.
    public func readTrustedLogs() throws -> [NoteVerifierKey] {
        let text = try String(contentsOfFile: trustedLogsPath, encoding: .utf8)
        var keys: [NoteVerifierKey] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let key = NoteVerifierKey(vkey: line), key.type == .ed25519 else {
                throw DataDirectoryError("\(trustedLogsPath) line \(number + 1) is not a log's Ed25519 verifier key")
            }
            keys.append(key)
        }
        return keys
    }

    /// Replaces the trusted logs.
    public func writeTrustedLogs(_ keys: [NoteVerifierKey]) throws {
        let text = "# Logs this witness cosigns: one verifier key per line, <origin>+<key ID>+<key>.\n"
            + keys.map { $0.vkey + "\n" }.joined()
        try DurableFiles.replace(Array(text.utf8), at: trustedLogsPath)
    }

    /// The latest cosigned checkpoint of every log that has one.
    public func readRecords() throws -> [String: WitnessRecord] {
        var records: [String: WitnessRecord] = [:]
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsURL.path)) ?? []
        for name in names where name.hasSuffix(".note") && !name.hasPrefix(".") {
            let path = checkpointsURL.appendingPathComponent(name).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let note = try? SignedNote.parse(text), let record = try? WitnessRecord(checkpoint: note),
                Self.fileName(origin: record.origin) == name
            else { throw DataDirectoryError("\(path) is not a checkpoint of the log its name says") }
            records[record.origin] = record
        }
        return records
    }

    /// Replaces a log's record atomically and durably.
    public func saveRecord(_ record: WitnessRecord) throws {
        let path = checkpointsURL.appendingPathComponent(Self.fileName(origin: record.origin)).path
        try DurableFiles.replace(Array(record.checkpoint.serialized.utf8), at: path)
    }

    /// Keeps a refused request verbatim, with a description beside it; returns the request file's path.
    @discardableResult
    public func keepEvidence(_ evidence: WitnessEvidence, body: [UInt8], receivedAt millis: Int64) throws -> String {
        let origin = (try? TreeHead.parse(noteText: evidence.request.checkpoint.text).origin) ?? "unknown"
        let stem = "\(LedgerTimeFormat.compact(millis))-\(evidence.reason.rawValue)-\(Self.escape(origin))"
        let description = EvidenceFile(
            reason: evidence.reason.rawValue, origin: origin, receivedAt: millis,
            recordedCheckpoint: evidence.record?.checkpoint.serialized
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(description)
        // Named by the request's digest too: the same request replayed is kept once, so nobody can
        // fill the disk (or the operator's alerts) by sending one refused request again and again.
        let digest = Hex.encode(Array(SHA256.hash(data: body).prefix(8)))
        if let kept = try evidenceFiles().first(where: { $0.hasSuffix("-\(digest).request") }) { return kept }
        let path = evidenceURL.appendingPathComponent("\(stem)-\(digest).request").path
        _ = try DurableFiles.publishExclusively(body, at: path)
        _ = try DurableFiles.publishExclusively([UInt8](json), at: evidenceURL.appendingPathComponent("\(stem)-\(digest).json").path)
        return path
    }

    /// The evidence files' paths (the `.request` ones), oldest first.
    public func evidenceFiles() throws -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: evidenceURL.path)) ?? []
        return names.filter { $0.hasSuffix(".request") }.sorted().map { evidenceURL.appendingPathComponent($0).path }
    }

    /// The record file's name for an origin.
    static func fileName(origin: String) -> String { escape(origin) + ".note" }

    /// Percent-encodes everything but ASCII letters, digits, '.', '_' and '-' (so never '/', never a leading dot).
    static func escape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            let safe = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2D
                || (byte == 0x2E && !out.isEmpty)
            out += safe ? String(scalar) : "%" + Hex.encode([byte]).uppercased()
        }
        return out
    }

    struct KeyFile: Codable {
        var name: String
        var ed25519PrivateKey: String
    }

    struct EvidenceFile: Codable {
        var reason: String
        var origin: String
        /// Unix milliseconds.
        var receivedAt: Int64
        /// The checkpoint the witness had cosigned that the request conflicts with.
        var recordedCheckpoint: String?
    }
}
