import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerNode

@Suite("content lifecycle: collection, erasure, tally")
struct ContentLifecycleTests {
    static func submit(_ node: LedgerNode, _ ledger: TestLedger, _ body: some TransactionBody, by signer: EnvelopeSigner) async throws -> Receipt {
        try await node.submit(try signer.sign(body, expires: ledger.clock.now + 60_000))
    }

    @Test("collection removes objects no allowed entry names once they are past the grace period; a denied entry pins nothing")
    func collectsUnreferencedObjects() async throws {
        let clock = TestClock()
        let store = InMemoryBlobStore(clock: clock.read)
        let ledger = try await TestLedger.make(clock: clock, blobs: store)
        let node = ledger.node
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        _ = try await Self.submit(node, ledger, RegisterPatient(), by: patient)
        let used = try await store.put(Array("used in a record".utf8), owner: patient.address, uploader: patient.address)
        let abandoned = try await store.put(Array("upload never signed".utf8), owner: patient.address, uploader: patient.address)
        // A key without an account stores its own object and names it in a transaction the
        // contracts deny: the denied entry must not keep the object.
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let denied = try await store.put(Array("named by a denied entry".utf8), owner: stranger.address, uploader: stranger.address)
        _ = try await Self.submit(node, ledger, AddDocument(id: "doc-1", category: .reports, content: used), by: patient)
        let refused = try await Self.submit(node, ledger, AddDocument(id: "doc-2", category: .reports, content: denied), by: stranger)
        #expect(refused.contract?.allowed == false)

        let collector = ContentCollector(store: ledger.store, blobs: store, grace: 3_600_000, clock: ledger.clock.read)
        var pass = try await collector.collect()
        #expect(pass == ContentCollector.Pass(stored: 3, removed: 0, pending: 2))
        ledger.clock.advance(millis: 3_600_001)
        let recent = try await store.put(Array("uploaded just now".utf8), owner: patient.address, uploader: patient.address)
        pass = try await collector.collect()
        #expect(pass == ContentCollector.Pass(stored: 4, removed: 2, pending: 1))
        #expect(try store.contains(used))
        #expect(try !store.contains(denied))
        #expect(try !store.contains(abandoned))
        #expect(try store.contains(recent))
    }

    @Test("confirmed erasure destroys the patient's key and objects, later reads say erased, and other patients are untouched")
    func erasureDestroysContent() async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let node = ledger.node
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        for signer in [patient, other] { _ = try await Self.submit(node, ledger, RegisterPatient(), by: signer) }
        let note = try await store.put(Array("diagnosis".utf8), owner: patient.address, uploader: patient.address)
        let unsigned = try await store.put(Array("never used".utf8), owner: patient.address)
        let kept = try await store.put(Array("someone else's".utf8), owner: other.address, uploader: other.address)
        _ = try await Self.submit(node, ledger, AddDocument(id: "doc-1", category: .reports, content: note), by: patient)
        _ = try await Self.submit(node, ledger, AddDocument(id: "doc-2", category: .reports, content: kept), by: other)

        // Asking is not enough: nothing is destroyed until an administrator confirms.
        _ = try await Self.submit(node, ledger, RequestErasure(patient: patient.address), by: patient)
        #expect(try await store.get(note, owner: patient.address) == Array("diagnosis".utf8))
        let confirmed = try await Self.submit(node, ledger, ConfirmErasure(patient: patient.address), by: ledger.admin)
        #expect(confirmed.contract?.allowed == true)

        #expect(store.inventory().map(\.cid) == [kept])
        #expect(try !store.contains(unsigned))
        await #expect(throws: BlobStoreError.erased) { try store.open(note, owner: patient.address) }
        await #expect(throws: BlobStoreError.erased) { _ = try await store.put([1], owner: patient.address) }
        do {
            _ = try await node.query(try patient.sign(ViewRecord(record: "doc-1"), expires: ledger.clock.now + 60_000))
            Issue.record("a read of an erased patient's record was answered")
        } catch QueryError.denied(let receipt) {
            #expect(receipt.contract?.event.message.contains("erased") == true)
        }
        let read = try await node.query(try other.sign(ViewRecord(record: "doc-2"), expires: ledger.clock.now + 60_000))
        #expect(read.content == Array("someone else's".utf8))
        // Repeating it (as every start-up does) is harmless.
        try await node.enforceErasures()
        #expect(store.inventory().map(\.cid) == [kept])
    }

    @Test("an erasure interrupted after the key went: start-up keeps the key gone, and the collector removes the objects left, referenced or not")
    func interruptedErasureIsFinished() async throws {
        let clock = TestClock()
        let store = InMemoryBlobStore(clock: clock.read)
        let ledger = try await TestLedger.make(clock: clock, blobs: store)
        let node = ledger.node
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        for signer in [patient, other] { _ = try await Self.submit(node, ledger, RegisterPatient(), by: signer) }
        let note = try await store.put(Array("diagnosis".utf8), owner: patient.address, uploader: patient.address)
        let kept = try await store.put(Array("someone else's".utf8), owner: other.address, uploader: other.address)
        _ = try await Self.submit(node, ledger, AddDocument(id: "doc-1", category: .reports, content: note), by: patient)
        _ = try await Self.submit(node, ledger, RequestErasure(patient: patient.address), by: patient)
        // The confirmation reaches the ledger through another node value without a content
        // store, as if the process stopped before erasing the content.
        let bare = ledger.node.withoutContent()
        _ = try await bare.submit(try ledger.admin.sign(ConfirmErasure(patient: patient.address), expires: ledger.clock.now + 60_000))
        #expect(try await store.get(note, owner: patient.address) == Array("diagnosis".utf8))

        try await node.enforceErasures()
        await #expect(throws: BlobStoreError.erased) { try store.open(note, owner: patient.address) }
        #expect(store.inventory().first { $0.cid == note }?.ownerErased == true)

        let collector = ContentCollector(store: ledger.store, blobs: store, grace: 3_600_000, clock: ledger.clock.read)
        let pass = try await collector.collect()
        #expect(pass.erased == 1 && pass.removed == 0)
        #expect(store.inventory().map(\.cid) == [kept])
    }

    @Test("the content tally names every version whose object is missing, altered or another patient's")
    func contentTallyFindsDamage() async throws {
        let store = InMemoryBlobStore()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let intact = try await store.put(Array("v1".utf8), owner: patient)
        let altered = try await store.put(Array("v2".utf8), owner: patient)
        let foreign = try await store.put(Array("v3".utf8), owner: other)
        let missing = UnixFSFileBuilder.contentID(of: Array("never stored".utf8)).string
        var bytes = try #require(store.storedBytes(altered))
        bytes[bytes.count - 1] ^= 1
        store.overwrite(altered, with: bytes)
        let versions = [intact, altered, foreign, missing].enumerated().map { index, cid in
            RecordVersion(number: index + 1, content: cid, author: patient, entry: UInt64(index + 1), time: 0)
        }
        let record = MedicalRecord(id: "doc-1", patient: patient, category: .reports, author: patient, versions: versions, createdAt: 1)
        let found = await ContentTally.discrepancies(record: record, blobs: store)
        #expect(found.count == 3)
        #expect(found[0].hasPrefix("version 2:") && found[0].contains("integrity"))
        #expect(found[1].hasPrefix("version 3:") && found[1].contains("another patient"))
        #expect(found[2].hasPrefix("version 4:") && found[2].contains("missing"))
        let clean = MedicalRecord(id: "doc-2", patient: patient, category: .reports, author: patient, versions: [versions[0]], createdAt: 1)
        #expect(await ContentTally.discrepancies(record: clean, blobs: store).isEmpty)
    }
}
