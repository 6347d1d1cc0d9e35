import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs slow key derivations (scrypt at sign-up, log-in and password change) on a few threads of
/// their own instead of the shared concurrency pool, so anonymous requests can never take the
/// cores that checkpoints, tiles and pages are served from.
///
/// At most `workers` derivations run at once and at most `queueDepth` more wait; anything beyond is
/// refused at once with ``KDFWorkersBusy`` (an answer of 503 and `Retry-After`), never queued
/// without bound. On Linux the worker threads also run at a lower scheduling priority (`nice`,
/// default 19, the lowest), so that when the cores are contended the threads serving the ledger come first.
public final class KDFWorkers: Sendable {
    public let workers: Int
    public let queueDepth: Int
    /// The `nice` value the worker threads take (0 keeps the process's priority).
    public let niceness: Int32
    private let pool: NIOThreadPool
    /// Derivations running or waiting.
    private let admitted = Mutex(0)

    /// `workers` threads (at least 1) with room for `queueDepth` waiting jobs, at `niceness`
    /// (0 to 19).
    public init(workers: Int = 1, queueDepth: Int = 8, niceness: Int32 = 19) {
        self.workers = max(1, workers)
        self.queueDepth = max(0, queueDepth)
        self.niceness = min(19, max(0, niceness))
        pool = NIOThreadPool(numberOfThreads: self.workers)
        pool.start()
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// How many derivations are running or waiting now.
    public var inFlight: Int { admitted.withLock { $0 } }

    /// True when ``run(_:)`` would refuse a job now: a cheap early refusal before the request's
    /// body is even read (``run(_:)`` still checks again).
    public var isFull: Bool { inFlight >= workers + queueDepth }

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
        let niceness = niceness
        return try await pool.runIfActive {
            Self.lowerPriority(to: niceness)
            return try body()
        }
    }

    /// Sets the calling worker thread's `nice` value. On Linux the value is per thread, and
    /// `setpriority(PRIO_PROCESS, 0, …)` applies to the calling thread only; raising it needs no
    /// privilege. Cheap, so it is simply repeated for every job.
    private static func lowerPriority(to niceness: Int32) {
        #if canImport(Glibc)
        guard niceness > 0 else { return }
        _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, niceness)
        #endif
    }
}

/// Every key-derivation worker is busy and the queue is full; the client should retry shortly.
public struct KDFWorkersBusy: Error, Equatable {
    public init() {}
}
