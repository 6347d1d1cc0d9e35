import Foundation
import GRDB
import MedLedgerCore
@testable import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

/// Altering any stored byte must make the full verification fail and name what is wrong.
@Suite("tamper detection")
struct TamperDetectionTests {
    /// Small chunks and checkpoint pages, so every fault is found across chunk and page boundaries.
    func verify(_ ledger: TestLedger) async throws -> LedgerVerifier.Report {
        var verifier = LedgerVerifier(store: ledger.store, verifierKey: ledger.signingKey.verifierKey)
        verifier.chunkSize = 6
        verifier.checkpointPageSize = 4
        return try await verifier.run()
    }

    func ledgerWithEntries() async throws -> TestLedger {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(40)
        return ledger
    }

    func expectFailure(_ ledger: TestLedger, containing phrase: String) async throws {
        do {
            _ = try await verify(ledger)
            Issue.record("verification passed on a tampered ledger")
        } catch let error as LedgerVerificationError {
            #expect(error.description.contains(phrase), "\(error.description)")
        }
    }

    @Test("an untouched ledger verifies, with small or default chunk and page sizes")
    func cleanLedgerVerifies() async throws {
        let ledger = try await ledgerWithEntries()
        let report = try await verify(ledger)
        #expect(report.entries == 41)
        #expect(report.checkpoints == 41)
        #expect(report.treeNodes == 41 - 3)  // n leaves have n - popcount(n) perfect subtrees above level 0
        let defaults = try await LedgerVerifier(store: ledger.store, verifierKey: ledger.signingKey.verifierKey).run()
        #expect(defaults == report)
    }

    @Test("blocks of many entries verify across chunk boundaries")
    func multiEntryBlocks() async throws {
        let ledger = try await TestLedger.make()
        let envelopes = try (0..<50).map { _ in try ledger.ping() }
        _ = try await withThrowingTaskGroup(of: Void.self) { group in
            for envelope in envelopes { group.addTask { _ = try await ledger.node.submit(envelope) } }
            try await group.waitForAll()
        }
        let report = try await verify(ledger)
        #expect(report.entries == 51)
        #expect(report.checkpoints == (try await ledger.store.checkpoints(after: 0, limit: 100).count))
    }

    @Test("a verifier trusting another key refuses the first checkpoint")
    func wrongLogKey() async throws {
        let ledger = try await ledgerWithEntries()
        let other = NoteSigningKey(name: TestLedger.origin, privateKey: .init()).verifierKey
        await #expect(throws: LedgerVerificationError.self) {
            _ = try await LedgerVerifier(store: ledger.store, verifierKey: other).run()
        }
    }

    @Test("a flipped byte in any entry's envelope is named", arguments: [0, 7, 40])
    func alteredEntry(index: Int) async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            var bytes = try [UInt8](Data.fetchOne(db, sql: "SELECT envelope FROM entry WHERE idx = ?", arguments: [index])!)
            bytes[bytes.count / 2] ^= 0x01
            try db.execute(sql: "UPDATE entry SET envelope = ? WHERE idx = ?", arguments: [Data(bytes), index])
        }
        try await expectFailure(ledger, containing: "entry \(index) is bad")
    }

    @Test("a swapped-in valid entry with its own leaf hash is caught by the checkpoint root")
    func alteredEntryAndLeafHash() async throws {
        let ledger = try await ledgerWithEntries()
        let replacement = try ledger.ping()
        let parsed = try ledger.node.verifier.parse(replacement)
        try await ledger.database.writer.write { db in
            try db.execute(
                sql: "UPDATE entry SET envelope = ?, signer = ?, nonce = ? WHERE idx = 5",
                arguments: [Data(replacement), parsed.signer.rawValue, parsed.nonce])
            try db.execute(
                sql: "UPDATE tree_node SET hash = ? WHERE level = 0 AND idx = 5", arguments: [Data(TreeHash.leaf(replacement).bytes)])
        }
        try await expectFailure(ledger, containing: "checkpoint of size 6 is bad: its root")
    }

    @Test("an altered byte in a packed hash tile is named", arguments: [0, 256 * 32 + 5, 509 * 32 + 31])
    func alteredPackedTile(offset: Int) async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(300)
        try await ledger.database.writer.write { db in
            var blob = try [UInt8](Data.fetchOne(db, sql: "SELECT hashes FROM hash_tile WHERE level = 0 AND idx = 0")!)
            blob[offset] ^= 0x80
            try db.execute(sql: "UPDATE hash_tile SET hashes = ? WHERE level = 0 AND idx = 0", arguments: [Data(blob)])
        }
        let expected = offset < 256 * 32 ? "tree hash at level 0 index \(offset / 32)" : "tree hash at level"
        try await expectFailure(ledger, containing: expected)
    }

    @Test("an altered checkpoint signature is named")
    func alteredCheckpointSignature() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            let note = try String.fetchOne(db, sql: "SELECT note FROM checkpoint WHERE size = 20")!
            var chars = Array(note)
            let i = chars.count - 10
            chars[i] = chars[i] == "A" ? "B" : "A"
            try db.execute(sql: "UPDATE checkpoint SET note = ? WHERE size = 20", arguments: [String(chars)])
        }
        try await expectFailure(ledger, containing: "checkpoint of size 20 is bad")
    }

    @Test("a checkpoint re-signed with another key is refused")
    func foreignCheckpoint() async throws {
        let ledger = try await ledgerWithEntries()
        let other = NoteSigningKey(name: TestLedger.origin, privateKey: .init())
        try await ledger.database.writer.write { db in
            let serialized = try String.fetchOne(db, sql: "SELECT note FROM checkpoint WHERE size = 30")!
            let note = try SignedNote.parse(serialized)
            try db.execute(sql: "UPDATE checkpoint SET note = ? WHERE size = 30", arguments: [try other.sign(text: note.text).serialized])
        }
        try await expectFailure(ledger, containing: "checkpoint of size 30 is bad: its signature")
    }

    /// One SQL statement that changes the store, and the phrase `verify` must use to name the fault.
    static let sqlTampering: [(sql: String, named: String)] = [
        ("UPDATE tree_node SET hash = zeroblob(32) WHERE level = 0 AND idx = 9", "level 0 index 9"),
        ("UPDATE tree_node SET hash = zeroblob(32) WHERE level = 3 AND idx = 2", "level 3 index 2"),
        ("DELETE FROM entry WHERE idx = 12", "entry 12 is bad: it is missing"),
        ("DELETE FROM checkpoint WHERE size = 10", "checkpoint of size 11 is bad: its prev line"),
        (
            "UPDATE entry SET signer = 'ml0000000000000000000000000000000000000000' WHERE idx = 3",
            "entry 3 is bad: its stored type, signer or nonce"
        ),
        (
            """
            UPDATE entry SET (envelope, type, signer, nonce, nonce_key) =
                (SELECT envelope, type, signer, nonce, nonce_key FROM entry WHERE idx = 3)
            WHERE idx = 7
            """,
            "entry 7 is bad: it reuses the signer and nonce"
        ),
    ]

    @Test(
        "an altered hash, a deleted entry or checkpoint, a changed column or a replayed entry is named",
        arguments: sqlTampering)
    func sqlTamperingIsNamed(sql: String, named: String) async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in try db.execute(sql: sql) }
        try await expectFailure(ledger, containing: named)
    }
}
