import Foundation
import GRDB
import MedLedgerCore
import MedLedgerNode
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

    @Test("an altered stored leaf hash is named")
    func alteredLeafHash() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            try db.execute(sql: "UPDATE tree_node SET hash = zeroblob(32) WHERE level = 0 AND idx = 9")
        }
        try await expectFailure(ledger, containing: "level 0 index 9")
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

    @Test("an altered stored tree hash is named")
    func alteredTreeNode() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            try db.execute(sql: "UPDATE tree_node SET hash = zeroblob(32) WHERE level = 3 AND idx = 2")
        }
        try await expectFailure(ledger, containing: "level 3 index 2")
    }

    @Test("a deleted entry is named")
    func deletedEntry() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in try db.execute(sql: "DELETE FROM entry WHERE idx = 12") }
        try await expectFailure(ledger, containing: "entry 12 is bad: it is missing")
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

    @Test("a deleted checkpoint breaks the chain at the next one")
    func deletedCheckpoint() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in try db.execute(sql: "DELETE FROM checkpoint WHERE size = 10") }
        try await expectFailure(ledger, containing: "checkpoint of size 11 is bad: its prev line")
    }

    @Test("an entry replaying an earlier entry's signer and nonce is named")
    func replayedEntry() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            try db.execute(sql: """
                UPDATE entry SET (envelope, type, signer, nonce, nonce_key) =
                    (SELECT envelope, type, signer, nonce, nonce_key FROM entry WHERE idx = 3)
                WHERE idx = 7
                """)
        }
        try await expectFailure(ledger, containing: "entry 7 is bad: it reuses the signer and nonce")
    }

    @Test("a changed signer column is named even though the envelope is intact")
    func alteredDerivedColumn() async throws {
        let ledger = try await ledgerWithEntries()
        try await ledger.database.writer.write { db in
            try db.execute(sql: "UPDATE entry SET signer = 'ml0000000000000000000000000000000000000000' WHERE idx = 3")
        }
        try await expectFailure(ledger, containing: "entry 3 is bad: its stored type, signer or nonce")
    }
}
