import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("file uploads and streamed downloads")
struct BlobRoutesTests {
    struct Uploaded: Decodable {
        let cid: String
        let size: Int64
        let mediaType: String
        let name: String?
    }

    /// A node over `ledger` whose content store is `store`.
    static func server(_ ledger: TestLedger) -> some ApplicationProtocol {
        Application(router: buildRouter(node: ledger.node))
    }

    static func headers(
        _ ledger: TestLedger, signer: EnvelopeSigner, target: String, body: [UInt8], type: String
    ) throws -> HTTPFields {
        let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: body, with: signer.key)
        return [.authorization: signature.header, .contentType: type]
    }

    static let pdf = Array("%PDF-1.7\n%\u{00e2}\u{00e3}\n1 0 obj << /Type /Catalog >> endobj\n".utf8) + [UInt8](repeating: 0x20, count: 2000)

    @Test("a PDF upload is stored encrypted under its CID with its sanitised name and type, and reads back exactly")
    func uploadsAPDF() async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let target = "/v1/blobs?owner=\(patient.address)&name=..%2F..%2Fetc%2Flab%22result.pdf"
        let fields = try Self.headers(ledger, signer: patient, target: target, body: Self.pdf, type: "application/pdf")
        let uploaded = try await Self.server(ledger).test(.router) { client in
            try await client.execute(uri: target, method: .post, headers: fields, body: ByteBuffer(bytes: Self.pdf)) { response in
                #expect(response.status == .created)
                return try JSONDecoder().decode(Uploaded.self, from: Data(buffer: response.body))
            }
        }
        #expect(uploaded.mediaType == "application/pdf")
        #expect(uploaded.name == "lab_result.pdf")
        #expect(uploaded.size == Int64(Self.pdf.count))
        let stored = try #require(store.storedBytes(uploaded.cid))
        #expect(UnixFSFileBuilder.contentID(of: stored).string == uploaded.cid)
        #expect(stored.firstRange(of: Array("%PDF".utf8)) == nil)
        let reader = try store.open(uploaded.cid, owner: patient.address)
        #expect(reader.metadata == BlobMetadata(mediaType: "application/pdf", fileName: "lab_result.pdf", uploader: patient.address))
        #expect(try await store.get(uploaded.cid, owner: patient.address) == Self.pdf)
    }

    @Test(
        "uploads refused before anything is stored: declared too large, unsupported type, content not matching its type, body not matching the signature",
        arguments: ["declared-large", "unsupported", "mismatch", "tampered"]
    )
    func refusedUploadsStoreNothing(kind: String) async throws {
        let store = InMemoryBlobStore(maxObjectSize: 4096)
        let ledger = try await TestLedger.make(blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let target = "/v1/blobs?owner=\(patient.address)"
        var body = Self.pdf
        var type = "application/pdf"
        var expected: HTTPResponse.Status = .unsupportedMediaType
        var fields: HTTPFields
        switch kind {
        case "declared-large":
            body = Self.pdf + [UInt8](repeating: 0x20, count: 5000)
            expected = .contentTooLarge
            fields = try Self.headers(ledger, signer: patient, target: target, body: body, type: type)
        case "unsupported":
            type = "application/x-msdownload"
            fields = try Self.headers(ledger, signer: patient, target: target, body: body, type: type)
        case "mismatch":
            body = Array("just some text, not a PDF".utf8)
            fields = try Self.headers(ledger, signer: patient, target: target, body: body, type: type)
        default:
            fields = try Self.headers(ledger, signer: patient, target: target, body: body, type: type)
            body[body.count - 1] = 0x21
            expected = .unauthorized
        }
        let (payload, headers, status) = (body, fields, expected)
        try await Self.server(ledger).test(.router) { client in
            try await client.execute(uri: target, method: .post, headers: headers, body: ByteBuffer(bytes: payload)) { response in
                #expect(response.status == status)
                // Every refusal explains itself.
                #expect(String(buffer: response.body).contains("message"))
            }
        }
        #expect(store.inventory().isEmpty)
    }

    @Test("downloads stream the decrypted content whole or by range, with the stored name and the CID as ETag")
    func streamsRanges() async throws {
        let store = InMemoryBlobStore()
        let owner = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let content = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        let writer = try store.makeWriter(owner: owner, metadata: BlobMetadata(mediaType: "application/pdf", fileName: "scan résumé.pdf"))
        try await writer.write(content)
        let cid = try await writer.commit().cid
        let router = Router()
        router.get("file") { request, _ -> Response in
            ContentResponse.make(reader: try store.open(cid, owner: owner), request: request, fallbackName: "record")
        }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/file", method: .get) { response in
                #expect(response.status == .ok)
                #expect(Array(response.body.readableBytesView) == content)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[.eTag] == "\"\(cid)\"")
                #expect(response.headers[.acceptRanges] == "bytes")
                #expect(response.headers[.contentDisposition] == "attachment; filename=\"scan r_sum_.pdf\"; filename*=UTF-8''scan%20r%C3%A9sum%C3%A9.pdf")
            }
            // Across the 64 KiB segment boundary.
            try await client.execute(uri: "/file", method: .get, headers: [.range: "bytes=65530-65545"]) { response in
                #expect(response.status == .partialContent)
                #expect(Array(response.body.readableBytesView) == Array(content[65530...65545]))
                #expect(response.headers[.contentRange] == "bytes 65530-65545/300000")
            }
            try await client.execute(uri: "/file", method: .get, headers: [.range: "bytes=-10"]) { response in
                #expect(Array(response.body.readableBytesView) == Array(content.suffix(10)))
            }
            try await client.execute(uri: "/file", method: .get, headers: [.range: "bytes=400000-"]) { response in
                #expect(response.status == .rangeNotSatisfiable)
                #expect(response.headers[.contentRange] == "bytes */300000")
            }
            // A stale If-Range (another object's tag) gets the whole body.
            try await client.execute(uri: "/file", method: .get, headers: [.range: "bytes=0-9", .ifRange: "\"bafkother\""]) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == content.count)
            }
        }
    }

    @Test("a signed record.download sent with Accept: application/octet-stream streams the file, ranges included, and is audited")
    func apiDownloadStreams() async throws {
        let content = Self.pdf + [UInt8](repeating: 0x0A, count: 5_000_000)
        let fixture = try await PatientDocumentFixture.make(record: "doc-big", content: content, mediaType: "application/pdf", fileName: "mri.pdf")
        let (ledger, node) = (fixture.ledger, fixture.node)
        let whole = try fixture.sign(DownloadRecord(record: "doc-big"))
        let ranged = try fixture.sign(DownloadRecord(record: "doc-big"))
        let inline = try fixture.sign(ViewRecord(record: "doc-big"))
        try await Application(router: buildRouter(node: node)).test(.router) { client in
            try await client.execute(uri: "/v1/queries", method: .post, headers: [.accept: "application/octet-stream"], body: ByteBuffer(bytes: whole)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/pdf")
                #expect(response.headers[.contentDisposition]?.contains("mri.pdf") == true)
                #expect(Array(response.body.readableBytesView) == content)
            }
            try await client.execute(
                uri: "/v1/queries", method: .post, headers: [.accept: "application/octet-stream", .range: "bytes=10-19"], body: ByteBuffer(bytes: ranged)
            ) { response in
                #expect(response.status == .partialContent)
                #expect(Array(response.body.readableBytesView) == Array(content[10..<20]))
            }
            // As JSON, a file over 4 MiB is described, not inlined.
            try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: inline)) { response in
                #expect(response.status == .ok)
                let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let result = try #require(body?["result"] as? [String: Any])
                #expect(result["content"] == nil)
                #expect(result["contentSize"] as? Int == content.count)
                #expect(result["fileName"] as? String == "mri.pdf")
            }
        }
        let events = try await ledger.store.events(AuditQuery(record: "doc-big"))
        #expect(events.map(\.action) == ["record.add", "record.download", "record.download", "record.view"])
    }

    @Test("an upload for an erased patient is refused with 410 and stores nothing")
    func uploadForErasedPatient() async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        store.destroyKey(of: patient.address)
        let target = "/v1/blobs?owner=\(patient.address)"
        let fields = try Self.headers(ledger, signer: patient, target: target, body: Self.pdf, type: "application/pdf")
        try await Self.server(ledger).test(.router) { client in
            try await client.execute(uri: target, method: .post, headers: fields, body: ByteBuffer(bytes: Self.pdf)) { response in
                #expect(response.status == .gone)
            }
        }
        #expect(store.inventory().isEmpty)
    }

}
