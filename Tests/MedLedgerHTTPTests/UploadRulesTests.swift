import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Accounts before resources: who may store content for whom, and how much.
@Suite("upload rules and storage quotas")
struct UploadRulesTests {
    struct Refusal: Decodable {
        struct Detail: Decodable { let code: String }
        let error: Detail
    }

    /// A patient, a second patient and a verified doctor.
    static func ledger() async throws -> (TestLedger, patient: EnvelopeSigner, other: EnvelopeSigner, doctor: EnvelopeSigner) {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        try await ledger.submit(RegisterPatient(), by: other)
        try await ledger.addVerifiedDoctor(doctor)
        return (ledger, patient, other, doctor)
    }

    static func upload(
        _ client: some TestClientProtocol, _ ledger: TestLedger, by signer: EnvelopeSigner, owner: AccountAddress, body: [UInt8]
    ) async throws -> (HTTPResponse.Status, String?, String?) {
        let target = "/v1/blobs?owner=\(owner)"
        let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: body, with: signer.key)
        let headers: HTTPFields = [.authorization: signature.header, .contentType: "text/plain"]
        return try await client.execute(uri: target, method: .post, headers: headers, body: ByteBuffer(bytes: body)) { response in
            let code = try? JSONDecoder().decode(Refusal.self, from: Data(buffer: response.body)).error.code
            return (response.status, code, response.headers[.retryAfter])
        }
    }

    @Test("only an account that may write for the owner stores content for them; a fresh key only its own sign-up documents")
    func uploadsNeedAnAccountThatMayWrite() async throws {
        let (ledger, patient, other, doctor) = try await Self.ledger()
        let node = ledger.node
        let store = try #require(ledger.blobs)
        let stored = store.inventory().count  // the doctor's licence
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let nobody = EnvelopeSigner(key: P256.Signing.PrivateKey()).address
        let body = Array("a short note".utf8)
        try await Application(router: buildRouter(node: node)).test(.router) { client in
            for (signer, owner) in [(stranger, patient.address), (stranger, nobody), (patient, other.address)] {
                let (status, code, _) = try await Self.upload(client, ledger, by: signer, owner: owner, body: body)
                #expect(status == .forbidden)
                #expect(code == "upload_not_allowed")
            }
            #expect(store.inventory().count == stored, "a refused upload stores nothing and makes no key")
            for (signer, owner) in [(stranger, stranger.address), (patient, patient.address), (doctor, patient.address)] {
                let (status, _, _) = try await Self.upload(client, ledger, by: signer, owner: owner, body: body + Array(signer.address.rawValue.utf8))
                #expect(status == .created)
            }
            try await ledger.submit(SuspendAccount(account: doctor.address), by: ledger.admin)
            let (status, code, _) = try await Self.upload(client, ledger, by: doctor, owner: patient.address, body: body)
            #expect(status == .forbidden)
            #expect(code == "upload_not_allowed")
        }
        #expect(store.inventory().count == stored + 3)
    }

    @Test("an account's uploads spend its storage quota: over it, 429 storage_quota with Retry-After and nothing stored")
    func storageQuotaIsEnforced() async throws {
        let (ledger, patient, other, _) = try await Self.ledger()
        let node = ledger.node
        let store = try #require(ledger.blobs)
        let stored = store.inventory().count
        let quota = RateLimit(perMinute: 1, burst: 4)
        let limits = RequestLimits(
            transactions: UnlimitedRateLimiter(), queries: UnlimitedRateLimiter(), uploads: UnlimitedRateLimiter(),
            storage: InMemoryRateLimiter(limit: quota, clock: ledger.clock.read), signUpStorage: InMemoryRateLimiter(limit: quota, clock: ledger.clock.read)
        )
        let threeKiB = [UInt8](repeating: 0x61, count: 3 * 1024)
        try await Application(router: buildRouter(node: node, limits: limits)).test(.router) { client in
            #expect(try await Self.upload(client, ledger, by: patient, owner: patient.address, body: threeKiB).0 == .created)
            let (status, code, retryAfter) = try await Self.upload(client, ledger, by: patient, owner: patient.address, body: threeKiB + [0x62])
            #expect(status == .tooManyRequests)
            #expect(code == "storage_quota")
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 } == true)
            // Another account's quota is its own.
            #expect(try await Self.upload(client, ledger, by: other, owner: other.address, body: threeKiB + [0x63]).0 == .created)
        }
        #expect(store.inventory().count == stored + 2)
    }
}
