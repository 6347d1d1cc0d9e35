import Crypto
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport

/// A registered patient with one document of theirs stored and added to the ledger, on a node
/// whose content store tests can inspect.
struct PatientDocumentFixture {
    let ledger: TestLedger
    let node: LedgerNode
    let store: InMemoryBlobStore
    let patient: EnvelopeSigner
    let record: String

    static func make(record: String, content: [UInt8], mediaType: String, fileName: String) async throws -> PatientDocumentFixture {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let node = ledger.node
        _ = try await node.submit(try patient.sign(RegisterPatient(), expires: ledger.clock.now + 60_000))
        let writer = try store.makeWriter(owner: patient.address, metadata: BlobMetadata(mediaType: mediaType, fileName: fileName, uploader: patient.address))
        try await writer.write(content)
        let cid = try await writer.commit().cid
        _ = try await node.submit(try patient.sign(AddDocument(id: record, category: .reports, content: cid), expires: ledger.clock.now + 60_000))
        return PatientDocumentFixture(ledger: ledger, node: node, store: store, patient: patient, record: record)
    }

    /// A signed read of the document, valid for a minute of test time.
    func sign(_ body: some TransactionBody) throws -> [UInt8] {
        try patient.sign(body, expires: ledger.clock.now + 60_000)
    }
}
