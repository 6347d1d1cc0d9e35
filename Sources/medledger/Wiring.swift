import Crypto
import Foundation
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage

/// Runs `body` with the ledger's storage open: the data directory's SQLite database, or the
/// PostgreSQL database `--store` names (its connection pool runs, and is migrated, for as long as
/// `body` does). The data directory must exist.
func withStorage<T: Sendable>(
    _ options: DataOptions, directory: DataDirectory, logger: Logger, _ body: (LedgerStorage) async throws -> T
) async throws -> T {
    if let configuration = try options.postgresConfiguration() {
        return try await PostgresDatabase.with(configuration, logger: logger) { database in try await body(.shared(database)) }
    }
    guard FileManager.default.fileExists(atPath: directory.url.path) else {
        throw CLIError("\(directory.url.path) is not a MedLedger data directory; run `medledger init --data \(directory.url.path)` first.")
    }
    return try await body(.embedded(try directory.openDatabase()))
}

/// Opens the node of an initialised data directory on `storage`. On a shared store the node takes
/// part in its cluster (`cluster`, or a one-shot member that sequences only when no other node
/// does); its write loop and lease then need ``LedgerNode/run()`` (`serve`) or
/// ``LedgerNode/whileRunning(_:)`` (other commands).
///
/// Without a service, a node on the embedded store has each submitter write its own block (see
/// ``Sequencer``), which is all a one-shot command needs.
func openLedger(
    _ directory: DataDirectory, storage: LedgerStorage, logger: Logger, maxObjectSize: Int64 = 200_000_000,
    cluster: ClusterConfiguration? = nil
) async throws -> LedgerNode {
    guard directory.isInitialized else {
        throw CLIError("\(directory.url.path) is not a MedLedger data directory; run `medledger init --data \(directory.url.path)` first.")
    }
    let identity = try directory.readNodeIdentity()
    var membership = cluster
    if storage.shared != nil, membership == nil {
        membership = ClusterConfiguration(
            node: "tool-" + Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) }), endpoint: "http://127.0.0.1:1",
            forwarder: HTTPSubmissionForwarder(signingKey: identity.signingKey))
    }
    let node = try await LedgerNode.open(
        store: storage.ledger, signingKey: identity.signingKey,
        blobs: try directory.openBlobStore(masterKey: try masterKeyFromEnvironment(), maxObjectSize: maxObjectSize), logger: logger,
        cluster: membership
    )
    try await node.enforceErasures()
    return node
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
/// derived from the node key (``NodeServiceKey``). The directory must not be initialised and the
/// store must hold no ledger. On a shared store the genesis is written while the node runs (it
/// takes the free sequencer lease), and the lease is given up after.
///
/// - Returns: the node and, when no admin key was supplied, the path of the generated one.
func initialise(
    _ directory: DataDirectory, storage: LedgerStorage, origin: String, adminKey: P256Key?, adminName: String, logger: Logger,
    maxObjectSize: Int64 = 200_000_000
) async throws -> (LedgerNode, generatedKeyPath: String?) {
    guard !directory.isInitialized else { throw CLIError("\(directory.url.path) is already initialised.") }
    guard CheckpointOrigin.isValid(origin) else { throw CLIError("The origin must be non-empty, without spaces or '+'.") }
    guard try await storage.ledger.head().checkpoint == nil else {
        throw CLIError("The store already holds a ledger; initialise a new one on an empty database.")
    }
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
    let node = try await openLedger(directory, storage: storage, logger: logger, maxObjectSize: maxObjectSize)
    let signer = EnvelopeSigner(key: key, origin: origin)
    let genesis = try signer.sign(
        GenesisBody(origin: origin, admin: signer.payloadKey, adminName: adminName, service: node.service.payloadKey),
        expires: LedgerNode.systemClock() + 60_000
    )
    guard node.isClustered else {
        _ = try await node.submit(genesis)
        return (node, generatedPath)
    }
    // A shared store's node writes only while it runs; that one is stopped afterwards, so the
    // caller gets a fresh one to run as it needs.
    _ = try await node.whileRunning { try await node.submit(genesis) }
    return (try await openLedger(directory, storage: storage, logger: logger, maxObjectSize: maxObjectSize), generatedPath)
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
