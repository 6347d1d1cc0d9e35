import Logging
import MedLedgerCore
import ServiceLifecycle

/// The node's life in a serving process: its write loop is a `Service` in the process's
/// `ServiceGroup`, stopped by graceful shutdown after the HTTP server has stopped taking requests.
extension LedgerNode: Service {
    /// Runs the sequencer's write loop until graceful shutdown (or cancellation), then refuses new
    /// submissions and returns once every queued one is durable and answered: nothing a caller was
    /// told is lost, and nothing queued is dropped.
    public func run() async throws {
        let sequencer = sequencer
        let membership = membership
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                try? await gracefulShutdown()
                await sequencer.close()
            }
            // On a shared store: claim or follow the lease for as long as the write loop runs.
            if let membership {
                group.addTask { await membership.run(sequencer) }
            }
            await sequencer.run()
            group.cancelAll()
        }
        await membership?.release()
    }

    /// Stops taking submissions; a running ``run()`` writes what is queued and returns. Later
    /// submissions throw ``SequencerError/stopped``.
    public func shutdown() async {
        await sequencer.close()
    }

    /// The collector of unreferenced content for this node's ledger and content store (nil
    /// without one), to run beside the node; `grace` in milliseconds.
    public func contentCollector(grace: Int64, logger: Logger) -> ContentCollector? {
        guard let blobs else { return nil }
        return ContentCollector(store: store, blobs: blobs, grace: grace, clock: clock, logger: logger)
    }
}

extension LedgerNode {
    /// Runs `body` with the node running as a service beside it, then shuts the node down and
    /// waits until every queued submission is written: for a command or benchmark that submits
    /// from many tasks at once, as `serve` does, without a service group. The node takes no
    /// submissions afterwards (reads still work).
    public func whileRunning<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            let result: Result<T, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            await shutdown()
            try await group.waitForAll()
            return try result.get()
        }
    }
}

extension LedgerNode: CustomStringConvertible {
    /// How the service group names the node in its logs: the log's origin, never its parts
    /// (which hold the service key).
    public var description: String { "LedgerNode(\(origin))" }
}
