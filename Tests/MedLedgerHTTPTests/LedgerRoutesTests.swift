import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("ledger HTTP routes")
struct LedgerRoutesTests {
    func app(_ ledger: TestLedger) -> some ApplicationProtocol {
        Application(router: buildRouter(node: ledger.node))
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    @Test("GET /checkpoint serves a note that verifies with the key from GET /log-key")
    func checkpointVerifiesWithLogKey() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(3)
        try await app(ledger).test(.router) { client in
            let keyText = try await client.execute(uri: "/log-key", method: .get) { String(buffer: $0.body) }
            let key = try #require(NoteVerifierKey(vkey: keyText.trimmingCharacters(in: .newlines)))
            try await client.execute(uri: "/checkpoint", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; charset=utf-8")
                let checkpoint = try SignedCheckpoint.open(String(buffer: response.body), verifier: key)
                #expect(checkpoint.checkpoint.size == 4)
            }
        }
    }

    @Test("POST /v1/transactions answers 201 with the index and the checkpoint including it")
    func submitAccepted() async throws {
        let ledger = try await TestLedger.make()
        let envelope = try ledger.ping()
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: envelope)) { response in
                #expect(response.status == .created)
                let body = try JSONDecoder().decode(SubmitResponse.self, from: Data(buffer: response.body))
                #expect(body.index == 1)
                #expect(body.treeSize == 2)
                let checkpoint = try SignedCheckpoint.open(body.checkpoint, verifier: ledger.signingKey.verifierKey)
                #expect(checkpoint.checkpoint.size == 2)
                #expect(body.leafHash == Base64Coding.standard(TreeHash.leaf(envelope).bytes))
            }
        }
    }

    @Test("a ping signed by any key but the node's service key gets 403 operator_only and changes nothing")
    func pingFromAStrangerRefused() async throws {
        let ledger = try await TestLedger.make()
        let stranger = try ledger.ping(from: EnvelopeSigner(key: P256.Signing.PrivateKey()))
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: stranger)) { response in
                #expect(response.status == .forbidden)
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(error.error.code == "operator_only")
                #expect(error.error.message.contains("service key"))
            }
        }
        #expect(ledger.node.size == 1)
    }

    @Test(
        "bad submissions get a JSON error with the right status and change nothing",
        arguments: [
            ("not json", 400, "invalid_json"),
            (#"{"payloadType":"a","payloadType":"b","payload":"e30=","signatures":[]}"#, 400, "invalid_json"),
            (#"{"payloadType":"text/plain","payload":"e30=","signatures":[{"sig":"AA=="}]}"#, 400, "unsupported_payload_type"),
            (#"{"payloadType":"application/vnd.medledger.tx+json","payload":"e30=","signatures":[]}"#, 400, "malformed_envelope"),
        ])
    func badSubmissions(body: String, status: Int, code: String) async throws {
        let ledger = try await TestLedger.make()
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(string: body)) { response in
                #expect(response.status.code == status)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let error = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(error.error.code == code)
                #expect(!error.error.message.isEmpty)
            }
        }
        #expect(ledger.node.size == 1)
    }

    @Test("a replay gets 409, an unknown type 422, a forged signature 400, an oversize body 413")
    func refusals() async throws {
        let ledger = try await TestLedger.make()
        let envelope = try ledger.ping()
        let unknown = try ledger.admin.signPayloadBytes(Array(
            #"{"origin":"\#(TestLedger.origin)","type":"no.such.type","signer":"\#(ledger.admin.payloadKey)","nonce":"abcdefghijklmnopqrst","expires":\#(ledger.clock.now + 1000),"body":{}}"#.utf8))
        var forged = try JSONDecoder().decode(DSSEEnvelope.self, from: Data(try ledger.ping()))
        forged.signatures[0].sig = Base64Coding.standard([UInt8](repeating: 7, count: 64))
        let forgedBytes = forged.encoded()
        try await app(ledger).test(.router) { client in
            func post(_ bytes: [UInt8]) async throws -> String {
                try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: bytes)) { response in
                    let code = (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body)).error.code) ?? ""
                    return "\(response.status.code) \(code)"
                }
            }
            let first = try await post(envelope)
            let replay = try await post(envelope)
            let unknownType = try await post(unknown)
            let forgery = try await post(forgedBytes)
            let oversize = try await post([UInt8](repeating: 0x20, count: 40_000))
            #expect(first == "201 ")
            #expect(replay == "409 replayed_nonce")
            #expect(unknownType == "422 unknown_transaction_type")
            #expect(forgery == "400 bad_signature")
            #expect(oversize == "413 envelope_too_large")
        }
        #expect(ledger.node.size == 2)
    }

    @Test("hash tiles and entry bundles follow tlog-tiles and rebuild the checkpoint's root")
    func tilesRebuildRoot() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(300)  // 301 entries: one full level-0 tile and a partial of 45
        let checkpoint = try #require(ledger.node.checkpoint).checkpoint
        try await app(ledger).test(.router) { client in
            var leaves: [TreeHash] = []
            try await client.execute(uri: "/tile/0/000", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.cacheControl] == "public, max-age=31536000, immutable")
                #expect(response.body.readableBytes == 256 * 32)
                leaves += Self.hashes(response.body)
            }
            try await client.execute(uri: "/tile/0/001.p/45", method: .get) { response in
                #expect(response.status == .ok)
                leaves += Self.hashes(response.body)
            }
            #expect(leaves.count == 301)
            #expect(Self.referenceRoot(leaves) == checkpoint.root)

            // Entry bundles hold the envelopes whose leaf hashes the hash tiles list.
            try await client.execute(uri: "/tile/entries/001.p/45", method: .get) { response in
                let entries = try #require(TileRequest.unbundle(Array(buffer: response.body)))
                #expect(entries.count == 45)
                #expect(entries.map { TreeHash.leaf($0) } == Array(leaves[256...]))
            }
            // Level 1 holds tree level 8: one complete 256-leaf subtree so far.
            try await client.execute(uri: "/tile/1/000.p/1", method: .get) { response in
                #expect(Self.hashes(response.body) == [Self.referenceRoot(Array(leaves[0..<256]))])
            }
            for missing in ["/tile/0/001", "/tile/0/001.p/46", "/tile/1/000", "/tile/entries/002.p/1"] {
                try await client.execute(uri: missing, method: .get) { #expect($0.status == .notFound, "\(missing)") }
            }
            for bad in ["/tile/0/1", "/tile/0/x000/001", "/tile/9/000", "/tile/0/000.p/256", "/tile/entries/000.p/0"] {
                try await client.execute(uri: bad, method: .get) { #expect($0.status == .badRequest, "\(bad)") }
            }
        }
    }

    @Test("GET /openapi.json serves an OpenAPI 3.1 document naming each ledger route")
    func openAPIDocument() async throws {
        let ledger = try await TestLedger.make()
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/openapi.json", method: .get) { response in
                #expect(response.status == .ok)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
                #expect(document["openapi"] as? String == "3.1.0")
                let paths = try #require(document["paths"] as? [String: Any])
                #expect(Set(paths.keys) == ["/checkpoint", "/checkpoint/latest", "/log-key", "/tile/{path}", "/v1/transactions", "/v1/queries", "/v1/blobs", "/v1/proofs/inclusion", "/v1/proofs/consistency", "/v1/audit/tally", "/v1/audit/bundle", "/v1/cluster", "/internal/v1/sequence", "/openapi.json",
                    "/.well-known/smart-configuration", "/oauth/jwks", "/oauth/authorize", "/oauth/authorize/deny", "/oauth/token", "/oauth/revoke",
                    "/fhir/metadata", "/fhir/.well-known/smart-configuration", "/fhir/{type}", "/fhir/{type}/{id}", "/fhir/{type}/{id}/$export", "/fhir/_bulk/{job}/status",
                    "/fhir/_bulk/{job}/files/{file}"])
                let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
                let actions = try #require((schemas["ActionType"] as? [String: Any])?["enum"] as? [String])
                #expect(Set(actions) == Set(ContractEngine.actions.map { $0.transactionType }))
                #expect(actions.count == ContractEngine.actions.count)
            }
        }
    }

    @Test("responses carry security headers")
    func securityHeaders() async throws {
        let ledger = try await TestLedger.make()
        try await app(ledger).test(.router) { client in
            try await client.execute(uri: "/checkpoint", method: .get) { response in
                #expect(response.headers[.xContentTypeOptions] == "nosniff")
                #expect(response.headers[.xFrameOptions] == "DENY")
            }
        }
    }

    static func hashes(_ buffer: ByteBuffer) -> [TreeHash] {
        let bytes = Array(buffer: buffer)
        return stride(from: 0, to: bytes.count, by: 32).map { TreeHash(Array(bytes[$0..<($0 + 32)]))! }
    }

    /// RFC 6962 MTH written out recursively, independent of the node's frontier code.
    static func referenceRoot(_ leaves: [TreeHash]) -> TreeHash {
        if leaves.count == 1 { return leaves[0] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        return .interior(referenceRoot(Array(leaves[..<k])), referenceRoot(Array(leaves[k...])))
    }
}
