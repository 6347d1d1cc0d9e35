import Foundation
import GRDB
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@Suite("background WAL checkpoints")
struct WALCheckpointerTests {
    @Test("blocks written to a file ledger are copied out of the WAL by the running checkpointer, and the ledger reopens intact")
    func checkpointsInBackground() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        do {
            let database = try LedgerDatabase.open(path: path)
            let autocheckpoint = try await database.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
            #expect(autocheckpoint == 0)  // commits never checkpoint themselves
            func fileSize() throws -> Int { (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0 }
            let before = try fileSize()
            let ledger = try await TestLedger.make(database: database)
            try await ledger.appendPings(200)
            // Nothing checkpoints unless the checkpointer runs: commits do not.
            #expect(try fileSize() < before + 64 * 1024)
            // The database file grows only once the checkpointer copies the blocks' pages out of the WAL.
            let copied = try await database.withBackgroundCheckpoints {
                var copied = false
                for _ in 0..<30 where !copied {
                    try await Task.sleep(for: .milliseconds(100))
                    copied = try fileSize() > before + 64 * 1024
                }
                return copied
            }
            #expect(copied)
        }
        let reopened = try LedgerDatabase.open(path: path)
        let count = try await reopened.writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM entry") }
        #expect(count == 201)
    }
}
