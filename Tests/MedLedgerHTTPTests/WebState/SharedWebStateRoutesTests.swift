import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Two web applications on one ledger node, as two nodes behind a load balancer, sharing their web
/// state in one PostgreSQL database: whichever answers, a user stays signed in, a sign-out holds
/// everywhere, failed log-ins add up and a spent budget stays spent.
@Suite("web state shared by two nodes")
struct SharedWebStateRoutesTests {
    struct Nodes {
        let fixture: WebAuthTests.Fixture
        let a: WebApplication
        let b: WebApplication

        func app(_ web: WebApplication) -> some ApplicationProtocol {
            Application(router: buildRouter(node: fixture.ledger.node, web: web))
        }
    }

    /// Both applications from one configuration (the same web secret, as every node must have),
    /// each with its own `WebSharedState` value on the same database; `queriesBurst` is the
    /// session reads' budget, never refilled.
    static func withNodes(queriesBurst: Int = 1_000, _ body: (Nodes) async throws -> Void) async throws {
        let base = try await WebAuthTests.fixture()
        let secret = SymmetricKey(size: .bits256)
        var configuration = WebConfiguration(root: base.root, secret: secret)
        configuration.authHashRounds = 1 << 4
        let database = try await TestPostgres.shared.freshDatabase()
        try await PostgresDatabase.with(database, logger: Logger(label: "medledger.tests.shared-web")) { database in
            func node() async throws -> WebApplication {
                let shared = WebSharedState.postgres(database, secret: secret, clock: base.ledger.clock.read)
                let limits = RequestLimits(
                    shared: shared, transactions: RateLimit(perMinute: 1_000), queries: RateLimit(perMinute: 0, burst: queriesBurst),
                    uploads: RateLimit(perMinute: 1_000))
                return try await WebApplication.load(
                    node: base.ledger.node, credentials: base.credentials, configuration: configuration, limits: limits,
                    signIn: .standard(clock: base.ledger.clock.read, shared: shared), shared: shared, logger: Logger(label: "test"))
            }
            let a = try await node()
            let b = try await node()
            let fixture = WebAuthTests.Fixture(ledger: base.ledger, credentials: base.credentials, web: a, root: base.root)
            try await body(Nodes(fixture: fixture, a: a, b: b))
        }
    }

    /// Logs in on `first` and opens the session on `second`; returns the cookie.
    static func signIn(
        logIn first: some TestClientProtocol, open second: some TestClientProtocol, _ nodes: Nodes, _ user: WebAuthTests.User
    ) async throws -> String {
        let login = try await first.execute(
            uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": user.credential.username, "authKey": user.authKey]))
        #expect(login.status == .ok)
        let answer = try WebAuthTests.object(login)
        let open = try user.signer.sign(
            OpenSession(sessionKey: try #require(answer["sessionKey"] as? String), expires: try #require(answer["sessionExpires"] as? Int64)),
            expires: nodes.fixture.ledger.clock.now + 60_000)
        let session = try await second.execute(
            uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
        #expect(session.status == .ok)
        let setCookie = try #require(session.headers[.setCookie])
        return String(setCookie.split(separator: ";")[0])
    }

    /// The CSRF token a page shows (the test templates print it after a `|`).
    static func csrf(_ client: some TestClientProtocol, cookie: String) async throws -> String {
        let page = try await client.execute(uri: "/login", method: .get, headers: [.cookie: cookie])
        return String(try #require(String(buffer: page.body).split(separator: "|").dropFirst().first))
    }

    @Test("signed in through A (log-in on A, session opened on B): pages and a POST work on both; signing out on B ends it on A")
    func sessionFollowsTheUser() async throws {
        try await Self.withNodes { nodes in
            let user = try await WebAuthTests.user(nodes.fixture, username: "nia")
            try await nodes.app(nodes.a).test(.router) { a in
                try await nodes.app(nodes.b).test(.router) { b in
                    let cookie = try await Self.signIn(logIn: a, open: b, nodes, user)
                    for client in [a, b] as [any TestClientProtocol] {
                        let page = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
                        #expect(page.status == .ok)
                        #expect(String(buffer: page.body).hasPrefix("<p>none|"))
                    }
                    // A state-changing POST on B with the CSRF token A's page showed.
                    let csrf = try await Self.csrf(a, cookie: cookie)
                    let replacement = try CredentialFactory.make(
                        username: "nia", password: "another long passphrase", key: user.key, role: .patient, iterations: 600_000,
                        now: nodes.fixture.ledger.clock.now, hasher: AuthKeyHasher(rounds: 1 << 4))
                    let newAuth = Base64Coding.url(try CredentialFactory.authKey(for: replacement, password: "another long passphrase"))
                    let change = WebAuthTests.json([
                        "currentAuthKey": user.authKey, "salt": replacement.salt, "iterations": replacement.iterations,
                        "wrappedKey": replacement.wrappedKey, "authKey": newAuth,
                    ])
                    let forged = try await b.execute(uri: "/auth/password", method: .post, headers: [.cookie: cookie], body: change)
                    #expect(forged.status == .forbidden)
                    let changed = try await b.execute(
                        uri: "/auth/password", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf], body: change)
                    #expect(changed.status == .ok)
                    #expect(try await nodes.fixture.credentials.credential(username: "nia")?.wrappedKey == replacement.wrappedKey)

                    let logout = try await b.execute(
                        uri: "/auth/logout", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf])
                    #expect(logout.status == .ok)
                    let after = try await a.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
                    #expect(after.status == .seeOther)
                }
            }
        }
    }

    @Test("failed log-ins on A and on B count against one throttle")
    func failuresAddUp() async throws {
        try await Self.withNodes { nodes in
            _ = try await WebAuthTests.user(nodes.fixture, username: "oto")
            let wrong = Base64Coding.url([UInt8](repeating: 9, count: 32))
            let body = WebAuthTests.json(["username": "oto", "authKey": wrong])
            try await nodes.app(nodes.a).test(.router) { a in
                try await nodes.app(nodes.b).test(.router) { b in
                    for index in 0..<LoginThrottleRules().free {
                        let client: any TestClientProtocol = index % 2 == 0 ? a : b
                        #expect(try await client.execute(uri: "/auth/login", method: .post, body: body).status == .unauthorized)
                    }
                    for client in [a, b] as [any TestClientProtocol] {
                        let throttled = try await client.execute(uri: "/auth/login", method: .post, body: body)
                        #expect(throttled.status == .tooManyRequests)
                        #expect(try WebAuthTests.object(throttled)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "too_many_attempts")
                    }
                }
            }
        }
    }

    @Test("a session's read budget spent on A is spent on B")
    func budgetHoldsAcrossNodes() async throws {
        try await Self.withNodes(queriesBurst: 2) { nodes in
            let user = try await WebAuthTests.user(nodes.fixture, username: "pia")
            try await nodes.app(nodes.a).test(.router) { a in
                try await nodes.app(nodes.b).test(.router) { b in
                    let cookie = try await Self.signIn(logIn: a, open: a, nodes, user)
                    #expect(try await a.execute(uri: "/mine", method: .get, headers: [.cookie: cookie]).status == .ok)
                    #expect(try await b.execute(uri: "/mine", method: .get, headers: [.cookie: cookie]).status == .ok)
                    let size = nodes.fixture.ledger.node.size
                    let refused = try await a.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
                    #expect(refused.status == .tooManyRequests)
                    #expect(try await b.execute(uri: "/mine", method: .get, headers: [.cookie: cookie]).status == .tooManyRequests)
                    #expect(nodes.fixture.ledger.node.size == size)
                }
            }
        }
    }

    @Test("a sign-up challenge issued by A is accepted by B, once")
    func challengeCrossesNodes() async throws {
        try await Self.withNodes { nodes in
            let key = P256.Signing.PrivateKey()
            let envelope = try EnvelopeSigner(key: key).sign(RegisterPatient(), expires: nodes.fixture.ledger.clock.now + 60_000)
            try await nodes.app(nodes.a).test(.router) { a in
                try await nodes.app(nodes.b).test(.router) { b in
                    let challenge = try await WebAuthTests.challenge(a)
                    let body = try await WebAuthTests.signupBody(b, username: "quin", role: .patient, key: key, envelope: envelope, challenge: challenge)
                    let signup = try await b.execute(uri: "/auth/signup", method: .post, body: body)
                    #expect(signup.status == .created)
                    // Used up on B, the challenge is refused on A.
                    let otherKey = P256.Signing.PrivateKey()
                    let otherEnvelope = try EnvelopeSigner(key: otherKey).sign(RegisterPatient(), expires: nodes.fixture.ledger.clock.now + 60_000)
                    let reused = try await WebAuthTests.signupBody(
                        a, username: "quill", role: .patient, key: otherKey, envelope: otherEnvelope, challenge: challenge)
                    let again = try await a.execute(uri: "/auth/signup", method: .post, body: reused)
                    #expect(again.status == .unprocessableContent)
                    #expect(try WebAuthTests.object(again)["error"].flatMap { ($0 as? [String: Any])?["code"] as? String } == "challenge_invalid")
                }
            }
        }
    }
}
