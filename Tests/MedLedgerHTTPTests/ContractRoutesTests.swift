import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("contract HTTP routes: actions, reads and uploads")
struct ContractRoutesTests {
    func app(_ ledger: TestLedger) -> some ApplicationProtocol {
        Application(router: buildRouter(node: ledger.node))
    }

    struct Denied: Decodable {
        let error: ErrorDetail
        let receipt: SubmitResponse
    }

    struct QueryBody: Decodable {
        struct Result: Decodable {
            let kind: String
            let content: String?
            let record: MedicalRecord?
            let events: [AuditEvent]?
            let grants: [Grant]?
        }
        let receipt: SubmitResponse
        let result: Result
    }

    func sign(_ ledger: TestLedger, _ body: some TransactionBody, by signer: EnvelopeSigner) throws -> ByteBuffer {
        ByteBuffer(bytes: try signer.sign(body, expires: ledger.clock.now + 60_000))
    }

    func upload(_ client: some TestClientProtocol, _ ledger: TestLedger, content: String, owner: AccountAddress, by signer: EnvelopeSigner) async throws -> String {
        let target = "/v1/blobs?owner=\(owner)"
        let bytes = Array(content.utf8)
        let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: bytes, with: signer.key)
        return try await client.execute(
            uri: target, method: .post, headers: [.authorization: signature.header, .contentType: "text/plain"], body: ByteBuffer(bytes: bytes)
        ) { response in
            #expect(response.status == .created)
            return try JSONDecoder().decode(BlobRoutesTests.Uploaded.self, from: Data(buffer: response.body)).cid
        }
    }

    @Test("upload, add a document, view it: the content comes back decrypted and the read is on the trail")
    func uploadAddView() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: try sign(ledger, RegisterPatient(), by: patient)) { response in
                #expect(response.status == .created)
                let body = try JSONDecoder().decode(SubmitResponse.self, from: Data(buffer: response.body))
                #expect(body.event?.outcome == .allowed)
                #expect(body.event?.actorRole == .patient)
            }
            let cid = try await upload(client, ledger, content: "penicillin allergy", owner: patient.address, by: patient)
            #expect(ContentID(cid) != nil)
            try await client.execute(
                uri: "/v1/transactions", method: .post,
                body: try sign(ledger, AddDocument(id: "doc-1", category: .medicalHistory, content: cid), by: patient)
            ) { #expect($0.status == .created) }
            try await client.execute(uri: "/v1/queries", method: .post, body: try sign(ledger, ViewRecord(record: "doc-1"), by: patient)) { response in
                #expect(response.status == .ok)
                let body = try JSONDecoder().decode(QueryBody.self, from: Data(buffer: response.body))
                #expect(body.result.kind == "record")
                #expect(body.result.content.flatMap { Base64Coding.decodeStandard($0) } == Array("penicillin allergy".utf8))
                #expect(body.receipt.event?.status == .viewed)
            }
            try await client.execute(uri: "/v1/queries", method: .post, body: try sign(ledger, QueryTrail(record: "doc-1"), by: patient)) { response in
                let body = try JSONDecoder().decode(QueryBody.self, from: Data(buffer: response.body))
                #expect(body.result.events?.map(\.action) == ["record.add", "record.view", "audit.trail"])
            }
        }
    }

    @Test("a denied action answers 403 with the reason and the receipt of its audit event")
    func deniedIsRecorded() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        try await ledger.submit(AddDocument(id: "doc-1", category: .reports, content: try await ledger.document("report", owner: patient.address, uploader: patient.address)), by: patient)
        try await app(ledger).test(.router) { client in
            for route in ["/v1/queries", "/v1/transactions"] {
                try await client.execute(uri: route, method: .post, body: try sign(ledger, ViewRecord(record: "doc-1"), by: stranger)) { response in
                    #expect(response.status == .forbidden)
                    let body = try JSONDecoder().decode(Denied.self, from: Data(buffer: response.body))
                    #expect(body.error.code == "denied")
                    #expect(body.error.message.contains("no account"))
                    #expect(body.receipt.event?.outcome == .denied)
                    #expect(body.receipt.event?.record == "doc-1")
                }
            }
        }
        let events = try await ledger.store.events(AuditQuery(record: "doc-1"))
        #expect(events.filter { $0.outcome == .denied }.count == 2)
    }

    @Test("a write sent to /v1/queries is refused before it reaches the ledger")
    func writeIsNotAQuery() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/v1/queries", method: .post, body: try sign(ledger, RegisterPatient(), by: patient)) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
        #expect(ledger.node.size == 1)
    }

    @Test("uploads without a valid signature, with a stale one, for a bad owner or too large are refused", arguments: ["missing", "stale", "tampered", "owner", "large"])
    func badUploads(kind: String) async throws {
        let ledger = try await TestLedger.make(blobs: kind == "large" ? InMemoryBlobStore(maxObjectSize: 1000) : InMemoryBlobStore())
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let body = Array("content".utf8)
        var target = "/v1/blobs?owner=\(signer.address)"
        var headers: HTTPFields = [.contentType: "text/plain"]
        var payload = body
        let node = ledger.node
        var expected: HTTPResponse.Status = .unauthorized
        switch kind {
        case "stale":
            headers[.authorization] = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now - 600_000, body: body, with: signer.key).header
        case "tampered":
            headers[.authorization] = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: body, with: signer.key).header
            payload = Array("other content".utf8)
        case "owner":
            target = "/v1/blobs?owner=nobody"
            expected = .badRequest
        case "large":
            payload = [UInt8](repeating: 0x41, count: 1001)
            headers[.authorization] = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: payload, with: signer.key).header
            expected = .contentTooLarge
        default:
            break
        }
        let (uri, fields, bytes, status, server) = (target, headers, payload, expected, node)
        try await Application(router: buildRouter(node: server)).test(.router) { client in
            try await client.execute(uri: uri, method: .post, headers: fields, body: ByteBuffer(bytes: bytes)) { response in
                #expect(response.status == status)
            }
        }
    }
}
