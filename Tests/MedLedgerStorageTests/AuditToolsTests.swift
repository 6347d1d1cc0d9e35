import Crypto
import Foundation
import GRDB
import MedLedgerCore
@testable import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

/// The auditor's tools against a real (in-memory SQLite) store: the tally check and the offline
/// audit bundle, and each tampering scenario they must detect and name.
@Suite("audit tools: tally, bundles, tampering")
struct AuditToolsTests {
    /// A patient's document with three versions, audited by an auditor the patient granted, read by
    /// a doctor through a web session (so one event is signed by a delegated session key).
    struct Scenario {
        let ledger: TestLedger
        let node: LedgerNode
        let blobs: InMemoryBlobStore
        let patient: EnvelopeSigner
        let auditor: EnvelopeSigner
        let session: EnvelopeSigner
        let versions: [String]
    }

    static func scenario() async throws -> Scenario {
        let ledger = try await TestLedger.make()
        let blobs = try #require(ledger.blobs)
        let node = ledger.node
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let auditor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let session = EnvelopeSigner(key: P256.Signing.PrivateKey())
        func submit(_ body: some TransactionBody, by signer: EnvelopeSigner) async throws -> Receipt {
            let receipt = try await node.submit(try signer.sign(body, expires: ledger.clock.now + 60_000))
            #expect(receipt.contract?.allowed == true, "\(type(of: body)) was denied: \(receipt.contract?.event.message ?? "")")
            return receipt
        }
        _ = try await submit(RegisterPatient(), by: patient)
        _ = try await submit(CreateAccount(publicKey: auditor.payloadKey, role: .auditor, displayName: "Ada Auditor"), by: ledger.admin)
        var versions: [String] = []
        for text in ["first", "second", "third"] {
            versions.append(try await blobs.put(Array("lab result, \(text) reading".utf8), owner: patient.address, uploader: patient.address))
        }
        _ = try await submit(AddDocument(id: "doc-1", category: .labResults, content: versions[0]), by: patient)
        _ = try await submit(UpdateRecord(record: "doc-1", content: versions[1], baseVersion: 1), by: patient)
        _ = try await submit(UpdateRecord(record: "doc-1", content: versions[2], baseVersion: 2), by: patient)
        _ = try await submit(CreateGrant(id: "g-audit", grantee: auditor.address, scope: .all), by: patient)
        _ = try await submit(OpenSession(sessionKey: session.payloadKey, expires: ledger.clock.now + 3_600_000), by: auditor)
        _ = try await node.query(try session.sign(QueryTrail(record: "doc-1"), expires: ledger.clock.now + 60_000))
        _ = try await ledger.appendPings(2)
        return Scenario(ledger: ledger, node: node, blobs: blobs, patient: patient, auditor: auditor, session: session, versions: versions)
    }

    /// The node reopened on the same database, as after a restart, so tampered rows are read back.
    static func reopened(_ scenario: Scenario) async throws -> LedgerNode {
        try await LedgerNode.open(
            store: scenario.ledger.store, signingKey: scenario.ledger.signingKey, blobs: scenario.blobs, clock: scenario.ledger.clock.read)
    }

    static func verifier(_ scenario: Scenario) -> AuditBundleVerifier {
        AuditBundleVerifier(logKey: scenario.ledger.signingKey.verifierKey)
    }

    // MARK: Tally

    @Test("an untouched record tallies: ledger entries, stored state and content store agree")
    func untouchedRecordTallies() async throws {
        let scenario = try await Self.scenario()
        let report = try await scenario.node.tally(record: "doc-1")
        #expect(report.discrepancies == [])
        #expect(report.tallies && report.result == .tallies)
        #expect(report.versions == 3)
        #expect(report.events == 4)  // add, two updates, the session's trail read
        #expect(report.checkpointSize == scenario.node.size)
    }

    @Test("a changed state row is named: the stored version no longer matches the entry that wrote it")
    func changedStateRowIsNamed() async throws {
        let scenario = try await Self.scenario()
        let forged = try await scenario.blobs.put(Array("a forged reading".utf8), owner: scenario.patient.address)
        let writtenAt = try #require(await scenario.node.record("doc-1")?.version(2)?.entry)
        try await scenario.ledger.database.writer.write { db in
            let stored = try #require(try Data.fetchOne(db, sql: "SELECT document FROM state_object WHERE kind = 'record' AND id = 'doc-1'"))
            let document = String(decoding: stored, as: UTF8.self)
            let changed = document.replacingOccurrences(of: scenario.versions[1], with: forged)
            #expect(changed != document)
            try db.execute(sql: "UPDATE state_object SET document = ? WHERE kind = 'record' AND id = 'doc-1'", arguments: [Data(changed.utf8)])
        }
        let report = try await Self.reopened(scenario).tally(record: "doc-1")
        #expect(report.discrepancies == ["Version 2's content \(forged) is not the CID entry \(writtenAt) signed."])
    }

    @Test("a swapped and an altered object are named by version")
    func swappedAndAlteredBlobsAreNamed() async throws {
        let scenario = try await Self.scenario()
        var altered = try #require(scenario.blobs.storedBytes(scenario.versions[0]))
        altered[altered.count / 2] ^= 0x40
        scenario.blobs.overwrite(scenario.versions[0], with: altered)
        let other = try #require(scenario.blobs.storedBytes(scenario.versions[1]))
        scenario.blobs.overwrite(scenario.versions[2], with: other)
        let found = try await scenario.node.tally(record: "doc-1").discrepancies
        #expect(found.count == 2)
        #expect(found[0].hasPrefix("version 1:") && found[0].contains("integrity"))
        #expect(found[1].hasPrefix("version 3:"))
    }

    @Test("a deleted entry is named as missing, and a rewritten entry as not the one the checkpoint commits to")
    func deletedAndRewrittenEntriesAreNamed() async throws {
        let scenario = try await Self.scenario()
        let trail = try await scenario.node.recordTrail("doc-1", below: scenario.node.size)
        let deleted = trail[1].index
        let rewritten = trail[0].index
        try await scenario.ledger.database.writer.write { db in
            try db.execute(sql: "DELETE FROM entry WHERE idx = ?", arguments: [Int64(deleted)])
            // Same signer and shape, one byte of the signed payload changed: its leaf hash no longer fits the tree.
            let bytes = try #require(try Data.fetchOne(db, sql: "SELECT envelope FROM entry WHERE idx = ?", arguments: [Int64(rewritten)]))
            var changed = [UInt8](bytes)
            changed[changed.count - 10] ^= 0x01
            try db.execute(sql: "UPDATE entry SET envelope = ? WHERE idx = ?", arguments: [Data(changed), Int64(rewritten)])
        }
        let found = try await scenario.node.tally(record: "doc-1").discrepancies
        #expect(found.contains("Entry \(deleted), on the record's trail, is missing from the ledger."))
        #expect(found.contains(
            "Entry \(rewritten): its inclusion proof does not lead to the checkpoint's root: the entry or the proof was altered, or the log was rewritten."
        ))
    }

    // MARK: Bundles

    @Test("an exported bundle verifies with the log key alone, including the session-signed read")
    func bundleVerifies() async throws {
        let scenario = try await Self.scenario()
        let bundle = try await scenario.node.auditBundle(record: "doc-1")
        #expect(bundle.events.count == 4)
        #expect(bundle.delegations.count == 1)
        let json = try JSONEncoder().encode(bundle)
        let report = await Self.verifier(scenario).verify(json: [UInt8](json))
        #expect(report.failures == [])
        #expect(report.eventsChecked == 4 && report.delegationsChecked == 1 && report.versionsChecked == 3)
        #expect(report.checkpointSize == scenario.node.size)
    }

    @Test("every tampering with a bundle is named")
    func tamperedBundlesAreNamed() async throws {
        let scenario = try await Self.scenario()
        let bundle = try await scenario.node.auditBundle(record: "doc-1")
        let verifier = Self.verifier(scenario)
        let first = bundle.events[0].event.index

        var altered = bundle
        var entry = try #require(Base64Coding.decodeStandard(altered.events[0].entry))
        entry[entry.count - 5] ^= 0x01
        altered.events[0].entry = Base64Coding.standard(entry)
        #expect(await verifier.verify(altered).failures.first?.hasPrefix("Entry \(first): its inclusion proof does not lead to the checkpoint's root") == true)

        var actor = bundle
        actor.events[1].event.actor = scenario.auditor.address
        #expect(await verifier.verify(actor).failures.contains { $0.hasPrefix("Entry \(bundle.events[1].event.index) was signed by \(scenario.patient.address)") })

        var undelegated = bundle
        undelegated.delegations = []
        #expect(await verifier.verify(undelegated).failures.contains { $0.contains("nor a session key the actor delegated to") })

        var version = bundle
        version.versions[2].content = bundle.versions[0].content
        #expect(await verifier.verify(version).failures == [
            "Version 3's content \(bundle.versions[0].content) is not the CID entry \(bundle.versions[2].entry) signed.",
        ])

        var dropped = bundle
        dropped.events.remove(at: 1)
        #expect(await verifier.verify(dropped).failures == [
            "Version 2 names entry \(bundle.versions[1].entry), which the bundle does not prove.",
        ])

        let stranger = NoteVerifierKey(name: TestLedger.origin, publicKey: Curve25519.Signing.PrivateKey().publicKey)
        #expect(await AuditBundleVerifier(logKey: stranger).verify(bundle).failures.first?.hasPrefix("The checkpoint is not signed by the log key") == true)

        let witness = NoteVerifierKey(name: "witness.example/w1", type: .cosignatureV1, publicKey: Curve25519.Signing.PrivateKey().publicKey)
        let needsWitness = AuditBundleVerifier(logKey: scenario.ledger.signingKey.verifierKey, witnesses: WitnessPolicy(witnesses: [witness], quorum: 1))
        #expect(await needsWitness.verify(bundle).failures == [
            "The checkpoint has 0 valid witness cosignature(s); 1 of the 1 given witnesses are required.",
        ])
    }

    @Test("a rewritten log (a new tree from the same entries with one changed, signed with the same key) fails consistency with a checkpoint verified before")
    func rewrittenLogFailsConsistency() async throws {
        let clock = TestClock()
        let key = NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
        let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let service = EnvelopeSigner(key: NodeServiceKey.derive(from: key))
        let nonces = (0..<20).map { _ in EnvelopeSigner.randomNonce() }
        let genesis = try admin.sign(
            GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "Admin", service: service.payloadKey), expires: clock.now + 60_000)
        /// The same history, except entry `changed` (when given) is another ping by the same signer.
        func build(changing changed: Int?) async throws -> LedgerNode {
            let store = SQLiteLedgerStore(database: try LedgerDatabase.inMemory())
            let node = try await LedgerNode.open(store: store, signingKey: key, clock: clock.read)
            _ = try await node.submit(genesis)
            for index in 0..<20 {
                let nonce = index == changed ? EnvelopeSigner.randomNonce() : nonces[index]
                _ = try await node.submit(try service.sign(PingBody(), nonce: nonce, expires: clock.now + 60_000))
            }
            return node
        }
        let honest = try await build(changing: nil)
        let rewritten = try await build(changing: 7)
        let seen = try #require(honest.checkpoint).checkpoint
        let now = try #require(rewritten.checkpoint).checkpoint
        #expect(seen.size == now.size && seen.root != now.root)
        // The rewritten log's own proof from the size the auditor verified cannot reach the old root.
        let proof = try await rewritten.consistencyProof(from: 12, to: now.size)
        let seenAt12 = try #require(try await honest.store.checkpoints(after: 11, limit: 1).first)
        let old = try Checkpoint.parse(try SignedNote.parse(seenAt12.note).text)
        #expect(old.size == 12)
        #expect(!MerkleProofVerifier.verifyConsistency(oldSize: 12, newSize: now.size, oldRoot: old.root, newRoot: now.root, proof: proof))
        // The honest log proves it.
        let honestProof = try await honest.consistencyProof(from: 12, to: seen.size)
        #expect(MerkleProofVerifier.verifyConsistency(oldSize: 12, newSize: seen.size, oldRoot: old.root, newRoot: seen.root, proof: honestProof))
    }
}
