import Crypto
import Foundation
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// Opens the node on an initialised data directory.
func openNode(_ directory: DataDirectory, logger: Logger) async throws -> LedgerNode {
    try await openLedger(directory, logger: logger).node
}

/// Opens the node and keeps its database, which the credential store shares.
///
/// The node is not running as a service here: `serve` adds it (and the database's checkpointer)
/// to its service group; every other command submits without one, each submission then writing
/// its own block before it returns (see ``Sequencer``), which is all a one-shot command needs.
func openLedger(
    _ directory: DataDirectory, logger: Logger, maxObjectSize: Int64 = 200_000_000
) async throws -> (node: LedgerNode, database: LedgerDatabase) {
    guard directory.isInitialized else {
        throw CLIError("\(directory.url.path) is not a MedLedger data directory; run `medledger init --data \(directory.url.path)` first.")
    }
    let identity = try directory.readNodeIdentity()
    let database = try directory.openDatabase()
    let node = try await LedgerNode.open(
        store: SQLiteLedgerStore(database: database), signingKey: identity.signingKey,
        blobs: try directory.openBlobStore(masterKey: try masterKeyFromEnvironment(), maxObjectSize: maxObjectSize), logger: logger
    )
    try await node.enforceErasures()
    return (node, database)
}

/// The content master key from `MEDLEDGER_MASTER_KEY` (64 hex digits or base64 of 32 bytes), so an
/// operator can keep it off the disk that holds the data; nil when unset (the key file is used).
func masterKeyFromEnvironment() throws -> SymmetricKey? {
    guard let text = ProcessInfo.processInfo.environment["MEDLEDGER_MASTER_KEY"], !text.isEmpty else { return nil }
    if let bytes = Hex.decode(text), bytes.count == 32 { return SymmetricKey(data: bytes) }
    if let bytes = Base64Coding.decodeStandard(text), bytes.count == 32 { return SymmetricKey(data: bytes) }
    throw CLIError("MEDLEDGER_MASTER_KEY must be 32 bytes as 64 hex digits or base64.")
}

/// Creates the data directory, the node key and the genesis entry, which names the service key
/// derived from the node key (``NodeServiceKey``).
///
/// - Returns: the node and, when no admin key was supplied, the path of the generated one.
func initialise(
    _ directory: DataDirectory, origin: String, adminKey: P256Key?, adminName: String, logger: Logger,
    maxObjectSize: Int64 = 200_000_000
) async throws -> (LedgerNode, generatedKeyPath: String?, database: LedgerDatabase) {
    guard !directory.isInitialized else { throw CLIError("\(directory.url.path) is already initialised.") }
    guard CheckpointOrigin.isValid(origin) else { throw CLIError("The origin must be non-empty, without spaces or '+'.") }
    try directory.create()
    var generatedPath: String?
    let key: P256Key
    if let adminKey {
        key = adminKey
    } else {
        key = P256Key()
        let path = directory.url.appendingPathComponent("admin-key.json").path
        try DataDirectory.writeSecret(try keyFileData(key), to: path)
        generatedPath = path
    }
    try directory.writeNodeIdentity(NodeIdentity(origin: origin))
    let (node, database) = try await openLedger(directory, logger: logger, maxObjectSize: maxObjectSize)
    let signer = EnvelopeSigner(key: key, origin: origin)
    let genesis = try signer.sign(
        GenesisBody(origin: origin, admin: signer.payloadKey, adminName: adminName, service: node.service.payloadKey),
        expires: LedgerNode.systemClock() + 60_000
    )
    _ = try await node.submit(genesis)
    return (node, generatedPath, database)
}

/// A random default origin, so two fresh installs never share a log name.
func defaultOrigin() -> String {
    "medledger.localhost/log-" + Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
}

/// A problem the operator can fix, printed without a stack trace.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func makeLogger(_ label: String, level: Logger.Level = .info) -> Logger {
    var logger = Logger(label: label)
    logger.logLevel = level
    return logger
}
