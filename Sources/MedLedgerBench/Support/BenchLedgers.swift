import Crypto
import Logging
import MedLedgerNode
import MedLedgerStorage

/// How a benchmark gets a ledger on a data directory.
///
/// The command-line tool is the one place where a data directory, its database, the content store
/// and the node are put together; it hands that wiring in here, so every benchmark measures exactly
/// what `serve` runs.
public protocol BenchLedgers: Sendable {
    /// Makes a new ledger in `path` with the benchmarks' origin and a generated administrator key.
    func initialise(path: String, logger: Logger) async throws -> BenchLedger

    /// Opens the initialised ledger in `path`.
    func open(path: String, logger: Logger) async throws -> BenchLedger
}

extension BenchLedgers {
    /// The ledger in `path`: opened when initialised, otherwise made.
    public func openOrInitialise(path: String, logger: Logger) async throws -> BenchLedger {
        if DataDirectory(path: path).isInitialized { return try await open(path: path, logger: logger) }
        return try await initialise(path: path, logger: logger)
    }
}

/// A ledger opened for a benchmark.
public struct BenchLedger: Sendable {
    public var node: LedgerNode
    /// The stores the node writes (and the credentials beside them).
    public var storage: LedgerStorage
    /// The administrator key `initialise` generated; nil for an opened ledger.
    public var admin: P256.Signing.PrivateKey?

    public init(node: LedgerNode, storage: LedgerStorage, admin: P256.Signing.PrivateKey?) {
        self.node = node
        self.storage = storage
        self.admin = admin
    }
}
