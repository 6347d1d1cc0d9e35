import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("cluster HTTP routes")
struct ClusterRoutesTests {
    @Test("a node on its own store says it is standalone and has no hand-on door")
    func standalone() async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            try await client.execute(uri: "/v1/cluster", method: .get) { response in
                #expect(response.status == .ok)
                let status = try JSONDecoder().decode(ClusterStatus.self, from: Data(buffer: response.body))
                #expect(status.role == .standalone)
                #expect(status.size == 1)
            }
            let envelope = try ledger.ping()
            let tag = HandOnKey.tag(envelope, key: HandOnKey.derive(from: ledger.signingKey))
            try await client.execute(
                uri: "/internal/v1/sequence", method: .post, headers: [HandOnHeader.field: tag], body: ByteBuffer(bytes: envelope)
            ) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test("the hand-on door sequences only envelopes tagged with the ledger's key, and answers a receipt the log signed")
    func handOnDoor() async throws {
        let logger = Logger(label: "medledger.tests.cluster-routes")
        try await PostgresDatabase.with(try await TestPostgres.shared.freshDatabase(), logger: logger) { database in
            let signingKey = NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey())
            let cluster = ClusterConfiguration(
                node: "only", endpoint: "http://127.0.0.1:1", forwarder: HTTPSubmissionForwarder(signingKey: signingKey), leaseMillis: 2_000)
            let node = try await LedgerNode.open(
                store: PostgresLedgerStore(database: database), signingKey: signingKey, logger: logger, cluster: cluster)
            try await node.whileRunning {
                let admin = EnvelopeSigner(key: P256.Signing.PrivateKey())
                _ = try await node.submit(try admin.sign(
                    GenesisBody(origin: TestLedger.origin, admin: admin.payloadKey, adminName: "Admin", service: node.service.payloadKey),
                    expires: UnixMilliseconds.now() + 60_000))
                let envelope = try node.service.sign(PingBody(), expires: UnixMilliseconds.now() + 60_000)
                let key = HandOnKey.derive(from: signingKey)
                let foreign = HandOnKey.derive(from: NoteSigningKey(name: TestLedger.origin, privateKey: Curve25519.Signing.PrivateKey()))
                try await Application(router: buildRouter(node: node)).test(.router) { client in
                    try await client.execute(uri: "/v1/cluster", method: .get) { response in
                        let status = try JSONDecoder().decode(ClusterStatus.self, from: Data(buffer: response.body))
                        #expect(status.role == .sequencer)
                        #expect(status.node == "only")
                    }
                    for headers: HTTPFields in [[:], [HandOnHeader.field: HandOnKey.tag(envelope, key: foreign)], [HandOnHeader.field: "00"]] {
                        try await client.execute(uri: "/internal/v1/sequence", method: .post, headers: headers, body: ByteBuffer(bytes: envelope)) {
                            #expect($0.status == .unauthorized)
                        }
                    }
                    #expect(node.size == 1)
                    try await client.execute(
                        uri: "/internal/v1/sequence", method: .post, headers: [HandOnHeader.field: HandOnKey.tag(envelope, key: key)],
                        body: ByteBuffer(bytes: envelope)
                    ) { response in
                        #expect(response.status == .ok)
                        let answer = try JSONDecoder().decode(HandedOnAnswer.self, from: Data(buffer: response.body))
                        let receipt = try answer.result(verifier: signingKey.verifierKey)
                        #expect(receipt.index == 1)
                    }
                    // The same envelope again is a replay, refused as the sequencer refuses it.
                    try await client.execute(
                        uri: "/internal/v1/sequence", method: .post, headers: [HandOnHeader.field: HandOnKey.tag(envelope, key: key)],
                        body: ByteBuffer(bytes: envelope)
                    ) { response in
                        let answer = try JSONDecoder().decode(HandedOnAnswer.self, from: Data(buffer: response.body))
                        #expect(answer.refusal == .replayed)
                    }
                }
            }
        }
    }
}
