import Foundation
import GRDB
import ServiceLifecycle

/// Copies the write-ahead log into the database file in the background, so block commits never
/// wait for it.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold, and that
/// commit then also waits for the database file's fsync. Instead the ledger's connections turn
/// automatic checkpoints off and this checkpointer runs a PASSIVE checkpoint from its own
/// connection several times a second; a passive checkpoint never blocks the writer or readers.
/// Once every frame is copied, the next commit starts the log over from its beginning, so the WAL
/// file is rewritten in place rather than extended. If the log has grown past `restartFrames`
/// anyway (sustained load with readers always present), a RESTART checkpoint waits briefly for a
/// quiet moment so it can start over.
///
/// A `Service`: the process that writes runs it (`serve` in its service group, other commands
/// with ``LedgerDatabase/withBackgroundCheckpoints(_:)``), and it stops with graceful shutdown
/// after one last checkpoint. Nothing runs unless someone runs it.
public struct WALCheckpointer: Service, CustomStringConvertible {
    private let connection: DatabaseQueue
    private let interval: Duration
    private let restartFrames: Int

    init(path: String, interval: Duration = .milliseconds(100), restartFrames: Int = 16_384) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        configuration.busyMode = .timeout(1)
        self.connection = try DatabaseQueue(path: path, configuration: configuration)
        self.interval = interval
        self.restartFrames = restartFrames
    }

    /// How the service group names it in its logs.
    public var description: String { "WALCheckpointer(every \(interval))" }

    /// Checkpoints every `interval` until graceful shutdown or cancellation, then once more, so
    /// the log a stopping process leaves behind is already copied.
    public func run() async throws {
        // Sleeping ends early at shutdown; the checkpoints themselves are never interrupted.
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            await checkpoint()
        }
        await checkpoint()
    }

    /// One PASSIVE checkpoint (a RESTART one when the log is long), on GRDB's queue for this
    /// connection. Failures (a busy database) are left to the next round.
    func checkpoint() async {
        let restartFrames = restartFrames
        try? await connection.writeWithoutTransaction { db in
            let frames = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")?[1] as Int? ?? 0
            if frames > restartFrames { _ = try? Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(RESTART)") }
        }
    }
}
