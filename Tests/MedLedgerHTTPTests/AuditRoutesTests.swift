import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("audit HTTP routes: proofs, tally, bundle")
struct AuditRoutesTests {
    struct ProofBody: Decodable {
        let proof: [String]
    }

    struct ErrorBody: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }

    /// A patient's document and an auditor holding the patient's grant.
    static func ledger() async throws -> (TestLedger, patient: EnvelopeSigner, auditor: EnvelopeSigner) {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let auditor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        try await ledger.submit(CreateAccount(publicKey: auditor.payloadKey, role: .auditor, displayName: "A"), by: ledger.admin)
        let content = try await #require(ledger.node.blobs).put(Array("ferritin 40 µg/L".utf8), owner: patient.address, uploader: patient.address)
        try await ledger.submit(AddDocument(id: "doc-1", category: .labResults, content: content), by: patient)
        try await ledger.submit(CreateGrant(id: "g-1", grantee: auditor.address, scope: .all), by: patient)
        try await ledger.appendPings(4)
        return (ledger, patient, auditor)
    }

    @Test("served inclusion and consistency proofs verify against the node's checkpoints")
    func proofsVerify() async throws {
        let (ledger, _, _) = try await Self.ledger()
        let size = ledger.node.size
        let root = try #require(ledger.node.checkpoint).checkpoint.root
        let entries = try await ledger.store.entries(0..<size)
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            for entry in entries {
                let proof = try await client.execute(uri: "/v1/proofs/inclusion?index=\(entry.index)&size=\(size)", method: .get) { response in
                    #expect(response.status == .ok)
                    return try JSONDecoder().decode(ProofBody.self, from: Data(buffer: response.body)).proof.compactMap { Base64Coding.decodeStandard($0).flatMap(TreeHash.init) }
                }
                #expect(MerkleProofVerifier.verifyInclusion(leaf: .leaf(entry.entry), index: entry.index, size: size, proof: proof, root: root))
            }
            let earlier = try #require(try await ledger.store.checkpoints(after: 2, limit: 1).first)
            let old = try Checkpoint.parse(try SignedNote.parse(earlier.note).text)
            let proof = try await client.execute(uri: "/v1/proofs/consistency?from=\(old.size)&to=\(size)", method: .get) { response in
                try JSONDecoder().decode(ProofBody.self, from: Data(buffer: response.body)).proof.compactMap { Base64Coding.decodeStandard($0).flatMap(TreeHash.init) }
            }
            #expect(MerkleProofVerifier.verifyConsistency(oldSize: old.size, newSize: size, oldRoot: old.root, newRoot: root, proof: proof))
        }
    }

    @Test("proof requests outside the published tree or badly written are refused with 400 and a code", arguments: [
        ("/v1/proofs/inclusion?size=3", "missing_parameter"),
        ("/v1/proofs/inclusion?index=3&size=3", "out_of_range"),
        ("/v1/proofs/inclusion?index=0&size=999", "out_of_range"),
        ("/v1/proofs/inclusion?index=-1&size=3", "bad_parameter"),
        ("/v1/proofs/inclusion?index=01&size=3", "bad_parameter"),
        ("/v1/proofs/consistency?from=0&to=3", "out_of_range"),
        ("/v1/proofs/consistency?from=4&to=3", "out_of_range"),
        ("/v1/proofs/consistency?from=1&to=999", "out_of_range"),
    ])
    func badProofRequests(uri: String, code: String) async throws {
        let (ledger, _, _) = try await Self.ledger()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == .badRequest)
                let answer = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(answer.error.code == code)
            }
        }
    }

    @Test("the tally and bundle routes answer the granted auditor, record the read, and refuse others with a receipt")
    func tallyAndBundleRoutes() async throws {
        let (ledger, _, auditor) = try await Self.ledger()
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let read = try auditor.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
            try await client.execute(uri: "/v1/audit/tally", method: .post, body: ByteBuffer(bytes: read)) { response in
                #expect(response.status == .ok)
                struct Receipt: Decodable { let index: UInt64 }
                struct Answer: Decodable { let tally: TallyReport; let result: TallyResult; let recorded: Receipt?; let opensUntil: Int64? }
                let answer = try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body))
                #expect(answer.result == .tallies && answer.tally.discrepancies.isEmpty && answer.tally.versions == 1)
                // The node recorded the result itself, for this auditor; a check that tallies opens nothing.
                let recorded = try #require(answer.recorded)
                #expect(answer.opensUntil == nil)
                let check = await ledger.node.record("doc-1")?.tally(by: auditor.address)
                #expect(check?.result == .tallies && check?.entry == recorded.index)
            }
            let bundleRead = try auditor.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
            try await client.execute(uri: "/v1/audit/bundle", method: .post, body: ByteBuffer(bytes: bundleRead)) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == AuditBundle.mediaType)
                let report = await AuditBundleVerifier(logKey: ledger.node.verifierKey).verify(json: Array(buffer: response.body))
                #expect(report.failures == [])
                // The tally's own trail read is on the trail the bundle proves.
                #expect(report.eventsChecked >= 2)
            }
            let denied = try stranger.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
            try await client.execute(uri: "/v1/audit/bundle", method: .post, body: ByteBuffer(bytes: denied)) { response in
                #expect(response.status == .forbidden)
                let answer = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(answer.error.code == "denied")
            }
            let notATrail = try auditor.sign(ListGrants(), expires: ledger.clock.now + 60_000)
            try await client.execute(uri: "/v1/audit/tally", method: .post, body: ByteBuffer(bytes: notATrail)) { response in
                #expect(response.status == .unprocessableContent)
            }
        }
        let trail = try await ledger.node.recordTrail("doc-1", below: ledger.node.size)
        #expect(trail.filter { $0.action == QueryTrail.transactionType }.count == 3)
        #expect(trail.filter { $0.action == RecordTally.transactionType }.map(\.actor) == [ledger.node.service.address])
    }

    @Test("a failed check answers until when the auditor may open the record; the patient's own check is not recorded")
    func failedCheckOpensForAWhile() async throws {
        let (ledger, patient, auditor) = try await Self.ledger()
        let blobs = try #require(ledger.node.blobs as? InMemoryBlobStore)
        let cid = try #require(await ledger.node.record("doc-1")?.current.content)
        blobs.remove(cid)
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            struct Receipt: Decodable { let index: UInt64; let time: Int64 }
            struct Answer: Decodable { let result: TallyResult; let recorded: Receipt?; let opensUntil: Int64? }
            let read = try auditor.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
            let answer = try await client.execute(uri: "/v1/audit/tally", method: .post, body: ByteBuffer(bytes: read)) { response in
                #expect(response.status == .ok)
                return try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body))
            }
            let recorded = try #require(answer.recorded)
            #expect(answer.result == .discrepancy)
            #expect(answer.opensUntil == recorded.time + SystemParameters.defaults.tallyAccessSeconds * 1000)

            let own = try patient.sign(QueryTrail(record: "doc-1", limit: 1), expires: ledger.clock.now + 60_000)
            let patients = try await client.execute(uri: "/v1/audit/tally", method: .post, body: ByteBuffer(bytes: own)) { response in
                #expect(response.status == .ok)
                return try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body))
            }
            #expect(patients.result == .discrepancy && patients.recorded == nil && patients.opensUntil == nil)
        }
        #expect(await ledger.node.record("doc-1")?.tallies?.map(\.auditor) == [auditor.address])
    }

    @Test("an auditor posting its own audit.tally result is denied with a receipt: the attempt is on the trail and opens nothing")
    func selfRecordedTallyDenied() async throws {
        let (ledger, _, auditor) = try await Self.ledger()
        let size = ledger.node.size
        let claim = try auditor.sign(
            RecordTally(record: "doc-1", auditor: auditor.address, result: .discrepancy, checkpointSize: 1, discrepancies: 1),
            expires: ledger.clock.now + 60_000)
        // The old shape, with the auditor's own result and details, is no body the ledger reads.
        let oldShape = try auditor.signPayloadBytes(Array(
            #"{"body":{"record":"doc-1","result":"discrepancy"},"expires":\#(ledger.clock.now + 60_000),"nonce":"\#(EnvelopeSigner.randomNonce())","origin":"\#(TestLedger.origin)","signer":"\#(auditor.payloadKey)","type":"audit.tally"}"#.utf8))
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: claim)) { response in
                #expect(response.status == .forbidden)
                let answer = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(answer.error.code == "denied")
            }
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: oldShape)) { response in
                #expect(response.status == .unprocessableContent)
                let answer = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
                #expect(answer.error.code == "invalid_body")
            }
        }
        #expect(ledger.node.size == size + 1)
        let trail = try await ledger.node.recordTrail("doc-1", below: ledger.node.size)
        let attempt = try #require(trail.last)
        #expect(attempt.action == "audit.tally" && attempt.outcome == .denied && attempt.actor == auditor.address)
        #expect(await ledger.node.record("doc-1")?.tallies == nil)
        await #expect(throws: QueryError.self) { try await ledger.query(ViewRecord(record: "doc-1"), by: auditor) }
    }
}
