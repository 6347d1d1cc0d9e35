import Crypto
import Foundation
import MedLedgerCore

/// The embedded node's data directory (`./data` by default): the SQLite ledger and the node's key.
///
/// ```
/// data/
///   ledger.sqlite        entries, tree hashes, checkpoints (WAL mode)
///   node-key.json        the log's Ed25519 checkpoint key and origin (mode 0600)
///   master.key           the blob store's master key (mode 0600), see FileBlobStore
///   keys/<address>.key   each patient's content key, sealed under master.key
///   keys/<address>.erased  left when a patient's key was destroyed (erasure)
///   blobs/<xx>/<cid>     encrypted health content, one object per file (IPFS-identical CIDs)
///   blobs/tmp/           uploads in progress
/// ```
public struct DataDirectory: Sendable {
    public let url: URL

    public init(path: String) {
        self.url = URL(fileURLWithPath: path, isDirectory: true).standardizedFileURL
    }

    public var databasePath: String { url.appendingPathComponent("ledger.sqlite").path }
    public var nodeKeyPath: String { url.appendingPathComponent("node-key.json").path }

    /// True once `medledger init` has run here.
    public var isInitialized: Bool { FileManager.default.fileExists(atPath: nodeKeyPath) }

    /// Creates the directory (mode 0700) if needed.
    public func create() throws {
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Opens the ledger database.
    public func openDatabase() throws -> LedgerDatabase {
        try LedgerDatabase.open(path: databasePath)
    }

    /// Opens the encrypted blob store kept here (`master.key`, `keys/`, `blobs/`), creating what is
    /// missing. Pass `masterKey` to keep the master key off this disk; otherwise `master.key` is
    /// read, or created on first use.
    public func openBlobStore(masterKey: SymmetricKey? = nil, maxObjectSize: Int64 = 200_000_000) throws -> FileBlobStore {
        try FileBlobStore(directory: url, masterKey: masterKey, maxObjectSize: maxObjectSize)
    }

    /// Writes a new node identity; refuses to overwrite one.
    public func writeNodeIdentity(_ identity: NodeIdentity) throws {
        let data = try JSONEncoder().encode(identity.file)
        try Self.writeSecret(data, to: nodeKeyPath)
    }

    /// Reads the node identity written by `init`.
    public func readNodeIdentity() throws -> NodeIdentity {
        let data = try Data(contentsOf: URL(fileURLWithPath: nodeKeyPath))
        return try NodeIdentity(file: JSONDecoder().decode(NodeIdentity.File.self, from: data))
    }

    /// The secret behind the web application's made-up log-in salts and sealed session keys: read,
    /// or created (0600) on first use, so answers for unknown usernames stay the same across
    /// restarts. Nodes sharing the directory that start together end up with the same secret.
    public func webSecret() throws -> SymmetricKey {
        let path = url.appendingPathComponent("web-secret.key").path
        if try DurableFiles.readFile(path, limit: 33) == nil {
            _ = try DurableFiles.publishExclusively(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) }, at: path)
        }
        guard let bytes = try DurableFiles.readFile(path, limit: 33), bytes.count == 32 else {
            throw DataDirectoryError("\(path) is not a 32-byte key")
        }
        return SymmetricKey(data: bytes)
    }

    /// Creates `path` with mode 0600 holding `data`, durably (the directory entry too, and never
    /// half-written); fails if the file exists.
    public static func writeSecret(_ data: Data, to path: String) throws {
        guard try DurableFiles.publishExclusively([UInt8](data), at: path) else {
            throw DataDirectoryError("cannot create \(path): it already exists")
        }
    }
}

/// The log's identity: its origin (checkpoint name) and Ed25519 signing key.
public struct NodeIdentity: Sendable {
    public let signingKey: NoteSigningKey

    public var origin: String { signingKey.name }

    public init(origin: String, privateKey: Curve25519.Signing.PrivateKey = .init()) {
        self.signingKey = NoteSigningKey(name: origin, privateKey: privateKey)
    }

    struct File: Codable {
        var origin: String
        var ed25519PrivateKey: String
    }

    var file: File {
        File(origin: origin, ed25519PrivateKey: Base64Coding.standard(signingKey.privateKey.rawRepresentation))
    }

    init(file: File) throws {
        guard CheckpointOrigin.isValid(file.origin), let raw = Base64Coding.decodeStandard(file.ed25519PrivateKey) else {
            throw DataDirectoryError("node-key.json is malformed")
        }
        self.init(origin: file.origin, privateKey: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
    }
}

/// A problem with the data directory, described for the operator.
public struct DataDirectoryError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
