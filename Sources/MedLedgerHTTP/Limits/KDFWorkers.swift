import NIOPosix
import Synchronization

/// Runs slow key derivations (scrypt at sign-up, log-in and password change) on a few threads of
/// their own instead of the shared concurrency pool, so anonymous requests can never take the
/// cores that checkpoints, tiles and pages are served from.
///
/// At most `workers` derivations run at once and at most `queueDepth` more wait; anything beyond is
/// refused at once with ``KDFWorkersBusy`` (an answer of 503 and `Retry-After`), never queued
/// without bound.
public final class KDFWorkers: Sendable {
    public let workers: Int
    public let queueDepth: Int
    private let pool: NIOThreadPool
    /// Derivations running or waiting.
    private let admitted = Mutex(0)

    /// `workers` threads (at least 1) with room for `queueDepth` waiting jobs.
    public init(workers: Int = 1, queueDepth: Int = 8) {
        self.workers = max(1, workers)
        self.queueDepth = max(0, queueDepth)
        pool = NIOThreadPool(numberOfThreads: self.workers)
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// How many derivations are running or waiting now.
    public var inFlight: Int { admitted.withLock { $0 } }

    /// Runs `body` on a worker thread once one is free; throws ``KDFWorkersBusy`` at once when
    /// `workers + queueDepth` jobs are already admitted.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        let limit = workers + queueDepth
        let entered = admitted.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard entered else { throw KDFWorkersBusy() }
        defer { admitted.withLock { $0 -= 1 } }
        return try await pool.runIfActive(body)
    }
}

/// Every key-derivation worker is busy and the queue is full; the client should retry shortly.
public struct KDFWorkersBusy: Error, Equatable {
    public init() {}
}
