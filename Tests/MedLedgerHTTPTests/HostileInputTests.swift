import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Requests an attacker would send, through the public API: each gets a clear 4xx, changes
/// nothing, and leaves the node serving.
@Suite("hostile input")
struct HostileInputTests {
    struct ErrorBody: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }

    static func code(_ response: TestResponse) -> String {
        (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error.code) ?? ""
    }

    static func server(_ ledger: TestLedger) -> some ApplicationProtocol {
        Application(router: buildRouter(node: ledger.node))
    }

    @Test("an upload whose signed time is at the ends of Int64 is refused as stale and stores nothing",
          arguments: ["-9223372036854775808", "9223372036854775807", "-1", "99999999999999999999999"])
    func extremeRequestTimes(time: String) async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let owner = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        try await Self.server(ledger).test(.router) { client in
            for key in ["x", EnvelopeSigner(key: P256.Signing.PrivateKey()).payloadKey] {
                let header = #"MedLedger key="\#(key)", time="\#(time)", sig="x""#
                try await client.execute(
                    uri: "/v1/blobs?owner=\(owner)", method: .post, headers: [.authorization: header, .contentType: "text/plain"],
                    body: ByteBuffer(string: "hello")
                ) { response in
                    #expect(response.status == .unauthorized)
                    #expect(Self.code(response) == "unauthenticated")
                }
            }
            // Still serving.
            try await client.execute(uri: "/checkpoint", method: .get) { #expect($0.status == .ok) }
        }
        #expect(store.inventory().isEmpty)
    }

    @Test("Range headers with numbers at the ends of Int64 are answered without trapping",
          arguments: [
              ("bytes=0-9223372036854775807", 206, 0..<5000),
              ("bytes=4990-9223372036854775807", 206, 4990..<5000),
              ("bytes=9223372036854775807-", 416, 0..<0),
              ("bytes=-9223372036854775807", 206, 0..<5000),
              ("bytes=-9223372036854775808", 416, 0..<0),
              ("bytes=9223372036854775806-9223372036854775807", 416, 0..<0),
              ("bytes=0-99999999999999999999", 200, 0..<5000),
          ] as [(String, Int, Range<Int>)])
    func extremeRanges(range: String, status: Int, bytes: Range<Int>) async throws {
        let content = (0..<5000).map { UInt8(truncatingIfNeeded: $0) }
        let fixture = try await PatientDocumentFixture.make(record: "doc-1", content: content, mediaType: "text/plain", fileName: "a.txt")
        let read = try fixture.sign(DownloadRecord(record: "doc-1"))
        let node = fixture.node
        try await Application(router: buildRouter(node: node)).test(.router) { client in
            try await client.execute(
                uri: "/v1/queries", method: .post, headers: [.accept: "application/octet-stream", .range: range], body: ByteBuffer(bytes: read)
            ) { response in
                #expect(Int(response.status.code) == status)
                if status != 416 {
                    let body = Array(response.body.readableBytesView)
                    #expect(body.count == bytes.count)
                    #expect(body.elementsEqual(content[bytes]), "the body is not bytes \(bytes) of the file")
                }
            }
            try await client.execute(uri: "/checkpoint", method: .get) { #expect($0.status == .ok) }
        }
    }

    /// A patient's document, stored and referenced, for the entry-level attacks.
    struct Patient {
        let ledger: TestLedger
        let signer: EnvelopeSigner
        let cid: String
    }

    static func patientWithDocument() async throws -> Patient {
        let ledger = try await TestLedger.make()
        let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        _ = try await ledger.node.submit(try signer.sign(RegisterPatient(), expires: ledger.clock.now + 60_000))
        let cid = try await ledger.document("a report", owner: signer.address, uploader: signer.address)
        return Patient(ledger: ledger, signer: signer, cid: cid)
    }

    func post(_ bytes: [UInt8], to ledger: TestLedger) async throws -> (Int, String) {
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: bytes)) { response in
                (Int(response.status.code), Self.code(response))
            }
        }
    }

    @Test("a record.add with two ids or two contents is refused at admission; nothing lands for the collector to misread")
    func duplicateKeysRefused() async throws {
        let patient = try await Self.patientWithDocument()
        let size = patient.ledger.node.size
        let other = "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq"
        for body in [
            #"{"id":"doc-1","id":"doc-2","category":"reports","content":"\#(patient.cid)"}"#,
            #"{"id":"doc-1","category":"reports","content":"\#(patient.cid)","content":"\#(other)"}"#,
        ] {
            let payload = #"{"origin":"\#(TestLedger.origin)","type":"record.add","signer":"\#(patient.signer.payloadKey)","nonce":"\#(EnvelopeSigner.randomNonce())","expires":\#(patient.ledger.clock.now + 60_000),"body":\#(body)}"#
            let (status, code) = try await post(try patient.signer.signPayloadBytes(Array(payload.utf8)), to: patient.ledger)
            #expect(status == 400)
            #expect(code == "invalid_json")
        }
        #expect(patient.ledger.node.size == size)
    }

    @Test("the high-S twin of an envelope is refused, so it cannot be sent first to make the signer's own a replay")
    func malleatedTwinRefused() async throws {
        let patient = try await Self.patientWithDocument()
        let original = try patient.signer.sign(AddDocument(id: "doc-1", category: .reports, content: patient.cid), expires: patient.ledger.clock.now + 60_000)
        var envelope = try DSSEEnvelope.read(original)
        let raw = try #require(Base64Coding.decodeStandard(envelope.signatures[0].sig))
        envelope.signatures[0].sig = Base64Coding.standard(LowSSignature.twin(raw))
        let size = patient.ledger.node.size
        let twin = try await post(envelope.encoded(), to: patient.ledger)
        #expect(twin.0 == 400)
        #expect(twin.1 == "non_canonical_signature")
        #expect(patient.ledger.node.size == size)
        let mine = try await post(original, to: patient.ledger)
        #expect(mine.0 == 201)
    }

    @Test("an envelope signed for another MedLedger is refused here")
    func crossLedgerReplayRefused() async throws {
        let patient = try await Self.patientWithDocument()
        let elsewhere = EnvelopeSigner(key: patient.signer.key, origin: "other-hospital.example/log")
        let size = patient.ledger.node.size
        let replay = try await post(
            try elsewhere.sign(AddDocument(id: "doc-1", category: .reports, content: patient.cid), expires: patient.ledger.clock.now + 60_000),
            to: patient.ledger
        )
        #expect(replay.0 == 400)
        #expect(replay.1 == "wrong_origin")
        #expect(patient.ledger.node.size == size)
    }

    @Test("a body field the action does not read is refused, so no entry carries hidden data")
    func hiddenFieldRefused() async throws {
        let patient = try await Self.patientWithDocument()
        let payload = #"{"origin":"\#(TestLedger.origin)","type":"ledger.ping","signer":"\#(patient.signer.payloadKey)","nonce":"\#(EnvelopeSigner.randomNonce())","expires":\#(patient.ledger.clock.now + 60_000),"body":{"junk":"\#(String(repeating: "x", count: 20_000))"}}"#
        let size = patient.ledger.node.size
        let (status, code) = try await post(try patient.signer.signPayloadBytes(Array(payload.utf8)), to: patient.ledger)
        #expect(status == 400)
        #expect(code == "unknown_field")
        #expect(patient.ledger.node.size == size)
    }
}
