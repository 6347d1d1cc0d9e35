import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Sign-up, log-in, sessions, CSRF and throttling, against a web root the test writes itself (so
/// the checks do not depend on how the real pages look).
@Suite("web sign-in and sessions")
struct WebAuthTests {
    static let password = "correct horse battery"

    struct Fixture {
        let ledger: TestLedger
        let credentials: InMemoryCredentialStore
        let web: WebApplication
        let root: URL

        var app: some ApplicationProtocol { Application(router: buildRouter(node: ledger.node, web: web)) }
    }

    static func fixture(limits: RequestLimits = .unlimited, signIn: SignInLimits = .standard()) async throws -> Fixture {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-web-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root.appendingPathComponent("pages"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("templates"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("static"), withIntermediateDirectories: true)
        let pages = """
            [
              {"path": "/login", "public": true, "template": "plain", "title": "Sign in"},
              {"path": "/mine", "template": "records", "title": "Mine", "reads": {"records": {"type": "records.list", "body": {"patient": "{me}"}}}},
              {"path": "/doctors-only", "roles": ["doctor"], "template": "plain", "title": "Doctors"}
            ]
            """
        try pages.write(to: root.appendingPathComponent("pages/test.json"), atomically: true, encoding: .utf8)
        try "<p>{{title}}|{{csrf}}|{{me.address}}</p>".write(to: root.appendingPathComponent("templates/plain.mustache"), atomically: true, encoding: .utf8)
        try "<p>{{#records.items}}[{{id}}]{{/records.items}}{{#records.empty}}none{{/records.empty}}{{records.denied}}|{{csrf}}</p>"
            .write(to: root.appendingPathComponent("templates/records.mustache"), atomically: true, encoding: .utf8)
        try "<p>{{message}}</p>".write(to: root.appendingPathComponent("templates/error.mustache"), atomically: true, encoding: .utf8)
        let ledger = try await TestLedger.make()
        let credentials = InMemoryCredentialStore()
        var configuration = WebConfiguration(root: root, secret: SymmetricKey(size: .bits256))
        configuration.authHashRounds = 1 << 4
        let web = try await WebApplication.load(
            node: ledger.node, credentials: credentials, configuration: configuration, limits: limits, signIn: signIn, logger: .init(label: "test")
        )
        return Fixture(ledger: ledger, credentials: credentials, web: web, root: root)
    }

    /// A user whose credential the server holds (made with few PBKDF2 rounds, to keep tests fast).
    struct User {
        let key: P256.Signing.PrivateKey
        let credential: Credential
        let authKey: String
        var signer: EnvelopeSigner { EnvelopeSigner(key: key) }
    }

    static func user(_ fixture: Fixture, username: String, role: Role = .patient, register: Bool = true) async throws -> User {
        let key = P256.Signing.PrivateKey()
        let credential = try CredentialFactory.make(
            username: username, password: password, key: key, role: role, iterations: 1_000, now: fixture.ledger.clock.now,
            hasher: AuthKeyHasher(rounds: 1 << 4)
        )
        try await fixture.credentials.insert(credential)
        if register {
            let receipt = try await fixture.ledger.node.submit(try EnvelopeSigner(key: key).sign(RegisterPatient(), expires: fixture.ledger.clock.now + 60_000))
            #expect(receipt.contract?.allowed == true)
        }
        let authKey = Base64Coding.url(try CredentialFactory.authKey(for: credential, password: password))
        return User(key: key, credential: credential, authKey: authKey)
    }

    static func json(_ value: [String: Any]) -> ByteBuffer {
        ByteBuffer(bytes: try! JSONSerialization.data(withJSONObject: value))
    }

    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    /// Logs in and signs the `session.open` the answer asks for, without sending it.
    static func logInForSession(_ client: some TestClientProtocol, _ fixture: Fixture, _ user: User) async throws -> [UInt8] {
        let login = try object(try await client.execute(
            uri: "/auth/login", method: .post, body: json(["username": user.credential.username, "authKey": user.authKey])))
        return try user.signer.sign(
            OpenSession(sessionKey: try #require(login["sessionKey"] as? String), expires: try #require(login["sessionExpires"] as? Int64)),
            expires: fixture.ledger.clock.now + 60_000)
    }

    /// Logs in and opens the session; returns the cookie header value and the page's CSRF token.
    static func signIn(_ client: some TestClientProtocol, _ fixture: Fixture, _ user: User) async throws -> (cookie: String, csrf: String) {
        let login = try await client.execute(
            uri: "/auth/login", method: .post, body: json(["username": user.credential.username, "authKey": user.authKey]))
        #expect(login.status == .ok)
        let answer = try object(login)
        #expect(answer["wrappedKey"] as? String == user.credential.wrappedKey)
        let sessionKey = try #require(answer["sessionKey"] as? String)
        let expires = try #require(answer["sessionExpires"] as? Int64)
        let open = try user.signer.sign(OpenSession(sessionKey: sessionKey, expires: expires), expires: fixture.ledger.clock.now + 60_000)
        let session = try await client.execute(uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
        #expect(session.status == .ok)
        let setCookie = try #require(session.headers[.setCookie])
        #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
        let cookie = String(setCookie.split(separator: ";")[0])
        let page = try await client.execute(uri: "/login", method: .get, headers: [.cookie: cookie])
        let parts = String(buffer: page.body).split(separator: "|")
        return (cookie, String(parts[1]))
    }

    @Test("prelogin answers unknown usernames with a stable salt, so it does not reveal who exists")
    func preloginDoesNotEnumerate() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "alice")
        try await fixture.app.test(.router) { client in
            let known = try Self.object(try await client.execute(uri: "/auth/prelogin", method: .post, body: Self.json(["username": "alice"])))
            #expect(known["salt"] as? String == user.credential.salt)
            let first = try Self.object(try await client.execute(uri: "/auth/prelogin", method: .post, body: Self.json(["username": "mallory"])))
            let second = try Self.object(try await client.execute(uri: "/auth/prelogin", method: .post, body: Self.json(["username": "mallory"])))
            #expect(first["salt"] as? String == second["salt"] as? String)
            #expect(first["iterations"] as? Int == Credential.minimumIterations)
            #expect(Set(first.keys) == Set(known.keys))
        }
    }

    @Test("a wrong password and an unknown user get the same answer; repeated failures are throttled")
    func loginFailuresAndThrottle() async throws {
        let fixture = try await Self.fixture()
        _ = try await Self.user(fixture, username: "bob")
        let wrong = Base64Coding.url([UInt8](repeating: 7, count: 32))
        try await fixture.app.test(.router) { client in
            let unknown = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "nobody", "authKey": wrong]))
            let bad = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "bob", "authKey": wrong]))
            #expect(unknown.status == .unauthorized && bad.status == .unauthorized)
            #expect(String(buffer: unknown.body) == String(buffer: bad.body))
            for _ in 0..<4 { _ = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "bob", "authKey": wrong])) }
            let throttled = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "bob", "authKey": wrong]))
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] != nil)
        }
    }

    @Test("a session cookie reads through the ledger as the user; without it pages redirect to log-in")
    func sessionReadsAreAudited() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "carol")
        try await fixture.app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/mine", method: .get)
            #expect(anonymous.status == .seeOther)
            #expect(anonymous.headers[.location]?.hasPrefix("/login?next=") == true)

            let (cookie, _) = try await Self.signIn(client, fixture, user)
            let before = fixture.ledger.node.size
            let page = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).hasPrefix("<p>none|"))
            #expect(page.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [ListRecords.transactionType])
            #expect(events.first?.actor == user.credential.address)
            #expect(events.first?.outcome == .allowed)

            let forbidden = try await client.execute(uri: "/doctors-only", method: .get, headers: [.cookie: cookie])
            #expect(forbidden.status == .forbidden)
        }
    }

    @Test("log-out needs the CSRF token, closes the ledger session and ends the cookie")
    func logoutNeedsCSRF() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "dave")
        try await fixture.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, fixture, user)
            let forged = try await client.execute(uri: "/auth/logout", method: .post, headers: [.cookie: cookie])
            #expect(forged.status == .forbidden)
            let crossSite = try await client.execute(
                uri: "/auth/logout", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            let before = fixture.ledger.node.size
            let logout = try await client.execute(uri: "/auth/logout", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf])
            #expect(logout.status == .ok)
            #expect(logout.headers[.setCookie]?.contains("Max-Age=0") == true)
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [CloseSession.transactionType])
            #expect(events.first?.outcome == .allowed)
            let after = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
            #expect(after.status == .seeOther)
        }
    }

    @Test("sign-up registers the patient on the ledger; a taken username or a mismatched registration changes nothing")
    func signup() async throws {
        let fixture = try await Self.fixture()
        let key = P256.Signing.PrivateKey()
        let signer = EnvelopeSigner(key: key)
        let envelope = try signer.sign(RegisterPatient(), expires: fixture.ledger.clock.now + 60_000)
        @Sendable func body(_ username: String, publicKey: String, envelope: [UInt8]?, role: String = "patient", iterations: Int = 600_000) -> ByteBuffer {
            var value: [String: Any] = [
                "username": username, "role": role, "publicKey": publicKey, "salt": Base64Coding.url([UInt8](repeating: 1, count: 16)),
                "iterations": iterations, "wrappedKey": Base64Coding.url([UInt8](repeating: 2, count: 12 + 16 + 138)),
                "authKey": Base64Coding.url([UInt8](repeating: 3, count: 32)),
            ]
            if let envelope { value["envelope"] = try! JSONSerialization.jsonObject(with: Data(envelope)) }
            return Self.json(value)
        }
        try await fixture.app.test(.router) { client in
            let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
            let mismatched = try await client.execute(uri: "/auth/signup", method: .post, body: body("erin", publicKey: other.payloadKey, envelope: envelope))
            #expect(mismatched.status == .unprocessableContent)
            #expect(try await fixture.credentials.credential(username: "erin") == nil)

            let weak = try await client.execute(
                uri: "/auth/signup", method: .post, body: body("erin", publicKey: signer.payloadKey, envelope: envelope, iterations: 1_000))
            #expect(weak.status == .unprocessableContent)

            let created = try await client.execute(uri: "/auth/signup", method: .post, body: body("erin", publicKey: signer.payloadKey, envelope: envelope))
            #expect(created.status == .created)
            #expect(await fixture.ledger.node.account(signer.address)?.role == .patient)

            let taken = try await client.execute(uri: "/auth/signup", method: .post, body: body("ERIN", publicKey: other.payloadKey, envelope: nil, role: "auditor"))
            #expect(taken.status == .conflict)
            let admin = try await client.execute(uri: "/auth/signup", method: .post, body: body("root", publicKey: other.payloadKey, envelope: nil, role: "admin"))
            #expect(admin.status == .unprocessableContent)

            let waiting = try await client.execute(uri: "/auth/signup", method: .post, body: body("frank", publicKey: other.payloadKey, envelope: nil, role: "auditor"))
            #expect(waiting.status == .created)
            #expect(try Self.object(waiting)["status"] as? String == "awaiting_account")
        }
    }

    @Test("a sign-up waiting for an account is told so when it signs in")
    func awaitingAccount() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "gina", role: .auditor, register: false)
        try await fixture.app.test(.router) { client in
            let open = try await Self.logInForSession(client, fixture, user)
            let session = try await client.execute(uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
            #expect(session.status == .forbidden)
            #expect(String(buffer: session.body).contains("awaiting_account"))
            #expect(session.headers[.setCookie] == nil)
        }
    }

    @Test("the session cookie is set only for JSON from this site: another site's text/plain form or foreign Origin gets no session (login CSRF)")
    func sessionRouteRefusesCrossSitePosts() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "ivy")
        try await fixture.app.test(.router) { client in
            let open = try await Self.logInForSession(client, fixture, user)
            let size = fixture.ledger.node.size
            let plain = try await client.execute(
                uri: "/auth/session", method: .post, headers: [.contentType: "text/plain", .origin: "https://evil.example"], body: ByteBuffer(bytes: open))
            #expect(plain.status == .unsupportedMediaType)
            #expect(plain.headers[.setCookie] == nil)
            let foreign = try await client.execute(
                uri: "/auth/session", method: .post, headers: [.contentType: "application/json", .origin: "https://evil.example"], body: ByteBuffer(bytes: open))
            #expect(foreign.status == .forbidden)
            #expect(String(buffer: foreign.body).contains("csrf"))
            #expect(foreign.headers[.setCookie] == nil)
            #expect(fixture.ledger.node.size == size)
            // The same signed envelope, sent as the page sends it, still opens the session.
            let own = try await client.execute(uri: "/auth/session", method: .post, headers: [.contentType: "application/json; charset=utf-8"], body: ByteBuffer(bytes: open))
            #expect(own.status == .ok)
            #expect(own.headers[.setCookie] != nil)
        }
    }

    @Test("a password change needs the current password and replaces the wrapped key")
    func passwordChange() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "hank")
        try await fixture.app.test(.router) { client in
            let (cookie, csrf) = try await Self.signIn(client, fixture, user)
            let replacement = try CredentialFactory.make(
                username: "hank", password: "a brand new passphrase", key: user.key, role: .patient, iterations: 600_000,
                now: fixture.ledger.clock.now, hasher: AuthKeyHasher(rounds: 1 << 4))
            let newAuth = Base64Coding.url(try CredentialFactory.authKey(for: replacement, password: "a brand new passphrase"))
            func change(current: String) -> ByteBuffer {
                Self.json([
                    "currentAuthKey": current, "salt": replacement.salt, "iterations": replacement.iterations,
                    "wrappedKey": replacement.wrappedKey, "authKey": newAuth,
                ])
            }
            let headers: HTTPFields = [.cookie: cookie, WebAuthentication.csrfHeader: csrf]
            let wrong = try await client.execute(uri: "/auth/password", method: .post, headers: headers, body: change(current: newAuth))
            #expect(wrong.status == .forbidden)
            let right = try await client.execute(uri: "/auth/password", method: .post, headers: headers, body: change(current: user.authKey))
            #expect(right.status == .ok)
            let stored = try #require(try await fixture.credentials.credential(username: "hank"))
            #expect(stored.wrappedKey == replacement.wrappedKey)
            #expect(try CredentialFactory.unwrap(stored, password: "a brand new passphrase").publicKey.rawRepresentation == user.key.publicKey.rawRepresentation)
            let old = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "hank", "authKey": user.authKey]))
            #expect(old.status == .unauthorized)
            let new = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "hank", "authKey": newAuth]))
            #expect(new.status == .ok)
        }
    }
}
