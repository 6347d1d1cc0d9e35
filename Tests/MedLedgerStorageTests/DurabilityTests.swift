import Foundation
import GRDB
import Testing

@testable import MedLedgerStorage

@Suite("durability settings")
struct DurabilityTests {
    @Test("the writer of a file database commits with synchronous = FULL (GRDB's WAL switch sets NORMAL)")
    func writerIsFullySynchronous() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-sync-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let database = try LedgerDatabase.open(path: path)
        let level = try database.writer.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }
}
