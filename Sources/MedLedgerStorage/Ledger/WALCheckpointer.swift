import Foundation
import GRDB

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
final class WALCheckpointer: Sendable {
    private let task: Task<Void, Never>

    init(path: String, interval: Duration = .milliseconds(100), restartFrames: Int = 16_384) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
        }
        configuration.busyMode = .timeout(1)
        let connection = try DatabaseQueue(path: path, configuration: configuration)
        task = Task.detached(priority: .utility) {
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                try? await connection.writeWithoutTransaction { db in
                    let frames = try Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(PASSIVE)")?[1] as Int? ?? 0
                    if frames > restartFrames { _ = try? Row.fetchOne(db, sql: "PRAGMA wal_checkpoint(RESTART)") }
                }
            }
        }
    }

    deinit { task.cancel() }
}
