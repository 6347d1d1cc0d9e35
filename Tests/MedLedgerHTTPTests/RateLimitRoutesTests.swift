import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Per-key budgets on transactions, reads, uploads and signed-in page reads.
@Suite("per-key rate limits")
struct RateLimitRoutesTests {
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            let code: String
            let message: String
        }
        let error: Detail
    }

    /// Limits of `perMinute` for every kind, on the ledger's test clock.
    static func limits(_ ledger: TestLedger, perMinute: Int = 2, exempt: Set<AccountAddress> = []) -> RequestLimits {
        RequestLimits(
            transactions: InMemoryRateLimiter(limit: RateLimit(perMinute: perMinute), clock: ledger.clock.read),
            queries: InMemoryRateLimiter(limit: RateLimit(perMinute: perMinute), clock: ledger.clock.read),
            uploads: InMemoryRateLimiter(limit: RateLimit(perMinute: perMinute), clock: ledger.clock.read),
            exempt: exempt
        )
    }

    static func app(_ ledger: TestLedger, _ limits: RequestLimits) -> some ApplicationProtocol {
        Application(router: buildRouter(node: ledger.node, limits: limits))
    }

    static func expectRateLimited(_ response: TestResponse) throws {
        #expect(response.status == .tooManyRequests)
        let retry = try #require(response.headers[.retryAfter].flatMap { Int($0) })
        #expect(retry >= 1)
        let body = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: response.body))
        #expect(body.error.code == "rate_limited")
    }

    @Test("a key over its transaction budget gets 429 with Retry-After and the ledger does not grow; another key is unaffected")
    func transactionsLimitedPerKey() async throws {
        let ledger = try await TestLedger.make()
        // The node's service key pings; another key's cheapest real action is registering.
        let busy = ledger.node.service
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await Self.app(ledger, Self.limits(ledger)).test(.router) { client in
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: busy)))
                #expect(response.status == .created)
            }
            let size = ledger.node.size
            let refused = try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: busy)))
            try Self.expectRateLimited(refused)
            #expect(refused.headers[.retryAfter] == "30")
            #expect(ledger.node.size == size)
            let registration = try other.sign(RegisterPatient(), expires: ledger.clock.now + 60_000)
            let unaffected = try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: registration))
            #expect(unaffected.status == .created)
        }
    }

    @Test("tokens come back as the injected clock advances")
    func refillsWithClock() async throws {
        let ledger = try await TestLedger.make()
        let signer = ledger.node.service
        try await Self.app(ledger, Self.limits(ledger, perMinute: 1)).test(.router) { client in
            #expect(try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: signer))).status == .created)
            try Self.expectRateLimited(try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: signer))))
            ledger.clock.advance(millis: 60_000)
            #expect(try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: signer))).status == .created)
        }
    }

    @Test("an exempt key is never limited")
    func exemptKey() async throws {
        let ledger = try await TestLedger.make()
        let operatorKey = ledger.node.service
        try await Self.app(ledger, Self.limits(ledger, perMinute: 1, exempt: [operatorKey.address])).test(.router) { client in
            for _ in 0..<10 {
                let response = try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: operatorKey)))
                #expect(response.status == .created)
            }
        }
    }

    @Test("a forged envelope naming someone else's key is refused without spending that key's budget")
    func forgeriesSpendNothing() async throws {
        let ledger = try await TestLedger.make()
        let victim = ledger.node.service
        try await Self.app(ledger, Self.limits(ledger, perMinute: 1)).test(.router) { client in
            for _ in 0..<5 {
                var envelope = try #require(try JSONSerialization.jsonObject(with: Data(try ledger.ping(from: victim))) as? [String: Any])
                envelope["signatures"] = [["keyid": victim.address.rawValue, "sig": Base64Coding.standard([UInt8](repeating: 1, count: 64))]]
                let forged = try JSONSerialization.data(withJSONObject: envelope)
                let response = try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: Array(forged)))
                #expect(response.status == .badRequest)
            }
            #expect(try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: try ledger.ping(from: victim))).status == .created)
        }
    }

    @Test("reads over a key's budget get 429 and are not recorded")
    func queriesLimited() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        try await Self.app(ledger, Self.limits(ledger)).test(.router) { client in
            for _ in 0..<2 {
                let envelope = try patient.sign(ListRecords(patient: patient.address), expires: ledger.clock.now + 60_000)
                #expect(try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: envelope)).status == .ok)
            }
            let size = ledger.node.size
            let envelope = try patient.sign(ListRecords(patient: patient.address), expires: ledger.clock.now + 60_000)
            try Self.expectRateLimited(try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: envelope)))
            #expect(ledger.node.size == size)
        }
    }

    @Test("uploads over a key's budget get 429 and store nothing")
    func uploadsLimited() async throws {
        let store = InMemoryBlobStore()
        let ledger = try await TestLedger.make(blobs: store)
        let node = ledger.node
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let app = Application(router: buildRouter(node: node, limits: Self.limits(ledger, perMinute: 1)))
        try await app.test(.router) { client in
            for (number, expected) in [(1, HTTPResponse.Status.created), (2, .tooManyRequests)] {
                let body = Array("note \(number)".utf8)
                let target = "/v1/blobs?owner=\(patient.address)"
                let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: body, with: patient.key)
                let response = try await client.execute(
                    uri: target, method: .post, headers: [.authorization: signature.header, .contentType: "text/plain"], body: ByteBuffer(bytes: body)
                )
                #expect(response.status == expected)
                if expected == .tooManyRequests { try Self.expectRateLimited(response) }
            }
        }
        #expect(store.inventory().count == 1)
    }

    @Test("a signed-in page's reads spend the web session's budget: over it, 429 and no ledger entry")
    func sessionPagesLimited() async throws {
        // A budget of two reads that never refills, so the test does not depend on the clock.
        let pages = RequestLimits(
            transactions: UnlimitedRateLimiter(), queries: InMemoryRateLimiter(limit: RateLimit(perMinute: 0, burst: 2)),
            uploads: UnlimitedRateLimiter()
        )
        let fixture = try await WebAuthTests.fixture(limits: pages)
        let user = try await WebAuthTests.user(fixture, username: "carol")
        try await fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, fixture, user)
            // signIn viewed /login (public, no reads); two views of /mine spend the budget.
            for _ in 0..<2 {
                #expect(try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie]).status == .ok)
            }
            let size = fixture.ledger.node.size
            let refused = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
            try Self.expectRateLimited(refused)
            #expect(fixture.ledger.node.size == size)
            // A browser gets a page, still with Retry-After.
            let page = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie, .accept: "text/html"])
            #expect(page.status == .tooManyRequests)
            #expect(page.headers[.retryAfter] != nil)
        }
    }
}
