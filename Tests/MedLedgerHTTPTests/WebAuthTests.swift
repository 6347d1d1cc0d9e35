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
              {"path": "/theirs", "template": "records", "title": "Theirs", "reads": {"records": {"type": "records.list", "body": {"patient": "{query.patient}"}}}},
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

    /// A challenge from `/auth/challenge`, asked for as the sign-up page asks.
    static func challenge(_ client: some TestClientProtocol) async throws -> String {
        let answer = try await client.execute(uri: "/auth/challenge", method: .post, headers: [.contentType: "application/json"], body: json([:]))
        #expect(answer.status == .ok)
        return try #require(try object(answer)["challenge"] as? String)
    }

    /// A sign-up body for `key`, with a fresh challenge signed by `proofKey` (default: `key`) for
    /// `proofUsername` / `proofRole` (default: the body's own); `proof: false` leaves the proof out.
    static func signupBody(
        _ client: some TestClientProtocol, username: String, role: Role, key: P256.Signing.PrivateKey, envelope: [UInt8]? = nil,
        iterations: Int = 600_000, challenge: String? = nil, proofKey: P256.Signing.PrivateKey? = nil, proofUsername: String? = nil,
        proofRole: Role? = nil, origin: String = TestLedger.origin, proof: Bool = true
    ) async throws -> ByteBuffer {
        var value: [String: Any] = [
            "username": username, "role": role.rawValue, "publicKey": key.publicKey.payloadKey,
            "salt": Base64Coding.url([UInt8](repeating: 1, count: 16)), "iterations": iterations,
            "wrappedKey": Base64Coding.url([UInt8](repeating: 2, count: 12 + 16 + 138)), "authKey": Base64Coding.url([UInt8](repeating: 3, count: 32)),
        ]
        if let envelope { value["envelope"] = try JSONSerialization.jsonObject(with: Data(envelope)) }
        if proof {
            let issued: String
            if let challenge { issued = challenge } else { issued = try await Self.challenge(client) }
            value["challenge"] = issued
            value["proof"] = try SignupProof.sign(
                origin: origin, challenge: issued, username: proofUsername ?? username, role: proofRole ?? role, with: proofKey ?? key)
        }
        return json(value)
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
            #expect(events.map(\.action) == [PageView.transactionType])
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
        try await fixture.app.test(.router) { client in
            let other = P256.Signing.PrivateKey()
            let mismatched = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "erin", role: .patient, key: other, envelope: envelope))
            #expect(mismatched.status == .unprocessableContent)
            #expect(try await fixture.credentials.credential(username: "erin") == nil)

            let weak = try await client.execute(
                uri: "/auth/signup", method: .post,
                body: try await Self.signupBody(client, username: "erin", role: .patient, key: key, envelope: envelope, iterations: 1_000))
            #expect(weak.status == .unprocessableContent)

            let created = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "erin", role: .patient, key: key, envelope: envelope))
            #expect(created.status == .created)
            #expect(await fixture.ledger.node.account(signer.address)?.role == .patient)

            let taken = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "ERIN", role: .auditor, key: other))
            #expect(taken.status == .conflict)
            let admin = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "root", role: .admin, key: other))
            #expect(admin.status == .unprocessableContent)

            let waiting = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "frank", role: .auditor, key: other))
            #expect(waiting.status == .created)
            #expect(try Self.object(waiting)["status"] as? String == "awaiting_account")
        }
    }

    @Test("a sign-up cannot squat a username for someone else's key: no proof, another key's proof, a reused, unknown or expired challenge, or a proof for another name, role or ledger is refused")
    func squattingIsRefused() async throws {
        let fixture = try await Self.fixture()
        let victim = P256.Signing.PrivateKey()
        let squatter = P256.Signing.PrivateKey()
        try await fixture.app.test(.router) { client in
            func attempt(_ body: ByteBuffer) async throws -> (HTTPResponse.Status, String) {
                let answer = try await client.execute(uri: "/auth/signup", method: .post, body: body)
                let error = try Self.object(answer)["error"] as? [String: Any]
                return (answer.status, error?["code"] as? String ?? "")
            }
            let noProof = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, proof: false))
            #expect(noProof == (.unprocessableContent, "proof_required"))
            let otherKey = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, proofKey: squatter))
            #expect(otherKey == (.unprocessableContent, "proof_invalid"))
            let otherName = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, proofUsername: "staff.two"))
            #expect(otherName == (.unprocessableContent, "proof_invalid"))
            let otherRole = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, proofRole: .pharmacy))
            #expect(otherRole == (.unprocessableContent, "proof_invalid"))
            let otherLedger = try await attempt(
                try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, origin: "elsewhere.example/log"))
            #expect(otherLedger == (.unprocessableContent, "proof_invalid"))
            let unknown = try await attempt(
                try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, challenge: Base64Coding.url([UInt8](repeating: 9, count: 32))))
            #expect(unknown == (.unprocessableContent, "challenge_invalid"))

            // A challenge is used up by the first sign-up that presents it, even a refused one.
            let burnt = try await Self.challenge(client)
            let refused = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, challenge: burnt, proofKey: squatter))
            #expect(refused.1 == "proof_invalid")
            let reusedAfterRefusal = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, challenge: burnt))
            #expect(reusedAfterRefusal == (.unprocessableContent, "challenge_invalid"))

            let expiring = try await Self.challenge(client)
            fixture.ledger.clock.advance(millis: SignupChallenges.lifetime)
            let expired = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, challenge: expiring))
            #expect(expired == (.unprocessableContent, "challenge_invalid"))
            #expect(try await fixture.credentials.all().isEmpty)

            // The key's holder signs up; the same challenge and proof cannot be replayed.
            let good = try await Self.challenge(client)
            let created = try await attempt(try await Self.signupBody(client, username: "staff.one", role: .auditor, key: victim, challenge: good))
            #expect(created.0 == .created)
            let replayed = try await attempt(try await Self.signupBody(client, username: "staff.two", role: .auditor, key: victim, challenge: good, proofUsername: "staff.one"))
            #expect(replayed == (.unprocessableContent, "challenge_invalid"))
            #expect(try await fixture.credentials.all().map(\.username) == ["staff.one"])

            // A high-S proof is refused as non-canonical.
            let fresh = try await Self.challenge(client)
            let lowS = try SignupProof.sign(origin: TestLedger.origin, challenge: fresh, username: "staff.three", role: .auditor, with: squatter)
            let highS = Base64Coding.url(LowSSignature.twin(try #require(Base64Coding.decodeURL(lowS))))
            let body = try await Self.signupBody(client, username: "staff.three", role: .auditor, key: squatter, proof: false)
            var value = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
            value["challenge"] = fresh
            value["proof"] = highS
            let nonCanonical = try await attempt(Self.json(value))
            #expect(nonCanonical == (.badRequest, "non_canonical_signature"))
        }
    }

    @Test("a sign-up left waiting for an account past its lifetime no longer signs in, frees its username and is not listed")
    func waitingSignupsExpire() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "olga", role: .auditor, register: false)
        let lifetime = Credential.defaultAwaitingLifetime
        try await fixture.app.test(.router) { client in
            // Still within its lifetime the username is taken.
            fixture.ledger.clock.advance(millis: lifetime - 1)
            let early = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "olga", role: .auditor, key: P256.Signing.PrivateKey()))
            #expect(early.status == .conflict)

            fixture.ledger.clock.advance(millis: 1)
            let login = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "olga", "authKey": user.authKey]))
            #expect(login.status == .forbidden)
            #expect(String(buffer: login.body).contains("signup_expired"))
            #expect(try await fixture.credentials.credential(username: "olga") == nil)

            let retaken = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "olga", role: .pharmacy, key: P256.Signing.PrivateKey()))
            #expect(retaken.status == .created)
        }
    }

    @Test("an expired waiting sign-up's username is free to a new sign-up even before it tried to sign in")
    func expiredSignupFreesUsernameOnSignup() async throws {
        let fixture = try await Self.fixture()
        let waiting = try await Self.user(fixture, username: "petra", role: .auditor, register: false)
        let registered = try await Self.user(fixture, username: "quinn", role: .patient)
        try await fixture.app.test(.router) { client in
            fixture.ledger.clock.advance(millis: Credential.defaultAwaitingLifetime)
            let retaken = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "PETRA", role: .auditor, key: P256.Signing.PrivateKey()))
            #expect(retaken.status == .created)
            #expect(try await fixture.credentials.credential(address: waiting.credential.address) == nil)
            // A credential with an account on the ledger never expires.
            let kept = try await client.execute(
                uri: "/auth/signup", method: .post, body: try await Self.signupBody(client, username: "quinn", role: .auditor, key: P256.Signing.PrivateKey()))
            #expect(kept.status == .conflict)
            let login = try await client.execute(uri: "/auth/login", method: .post, body: Self.json(["username": "quinn", "authKey": registered.authKey]))
            #expect(login.status == .ok)
        }
    }

    @Test("the administrators' list of waiting sign-ups shows each one's expiry and removes the expired ones")
    func waitingListRemovesExpired() async throws {
        let fixture = try await Self.fixture()
        let old = try await Self.user(fixture, username: "rita", role: .pharmacy, register: false)
        fixture.ledger.clock.advance(millis: Self.day)
        let recent = try await Self.user(fixture, username: "sam", role: .auditor, register: false)
        _ = try await Self.user(fixture, username: "tess", role: .patient)
        let signups = PendingSignups(credentials: fixture.credentials, node: fixture.ledger.node, lifetime: 14 * Self.day)
        fixture.ledger.clock.advance(millis: 13 * Self.day)
        let accounts = await fixture.ledger.node.accounts()
        let waiting = try await signups.waiting(accounts: accounts, now: fixture.ledger.clock.now)
        #expect(waiting.map(\.credential.username) == ["sam"])
        #expect(waiting.first?.expires == recent.credential.createdAt + 14 * Self.day)
        #expect(try await fixture.credentials.credential(address: old.credential.address) == nil)
        #expect(try await fixture.credentials.credential(username: "tess") != nil)
    }

    static let day: Int64 = 86_400_000

    @Test("challenges are issued only to same-origin JSON requests, and each client holds a bounded number")
    func challengeRoute() async throws {
        let fixture = try await Self.fixture()
        try await fixture.app.test(.router) { client in
            let plain = try await client.execute(uri: "/auth/challenge", method: .post, headers: [.contentType: "text/plain"])
            #expect(plain.status == .unsupportedMediaType)
            let foreign = try await client.execute(
                uri: "/auth/challenge", method: .post, headers: [.contentType: "application/json", .origin: "https://evil.example"])
            #expect(foreign.status == .forbidden)
            let answer = try await client.execute(uri: "/auth/challenge", method: .post, headers: [.contentType: "application/json"])
            let object = try Self.object(answer)
            #expect(try #require(object["challenge"] as? String).count == 43)
            #expect(object["expires"] as? Int64 == fixture.ledger.clock.now + SignupChallenges.lifetime)
        }
        let challenges = SignupChallenges()
        var issued: [String] = []
        for _ in 0..<(SignupChallenges.perClient + 4) { issued.append(await challenges.issue(client: "198.51.100.7", now: 0).challenge) }
        #expect(await challenges.count == SignupChallenges.perClient)
        #expect(await !challenges.redeem(issued[0], now: 1))
        #expect(await challenges.redeem(issued[issued.count - 1], now: 1))
        #expect(await !challenges.redeem(issued[issued.count - 1], now: 1))
    }

    @Test("a pending doctor who signs in is told to wait for verification, gets no session, and the refused sign-in is on the ledger")
    func pendingDoctorGetsNoSession() async throws {
        let fixture = try await Self.fixture()
        let user = try await Self.user(fixture, username: "dr.wait", role: .doctor, register: false)
        let certificate = try await fixture.ledger.document("licence", owner: user.signer.address, uploader: user.signer.address)
        let registration = try user.signer.sign(
            RegisterDoctor(displayName: "Dr Wait", speciality: "GP", licence: "L-9", certificate: certificate),
            expires: fixture.ledger.clock.now + 60_000)
        #expect(try await fixture.ledger.node.submit(registration).contract?.allowed == true)
        try await fixture.app.test(.router) { client in
            let open = try await Self.logInForSession(client, fixture, user)
            let before = fixture.ledger.node.size
            let session = try await client.execute(uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
            #expect(session.status == .forbidden)
            let error = try #require(try Self.object(session)["error"] as? [String: Any])
            #expect(error["code"] as? String == "pending_verification")
            #expect((error["message"] as? String)?.contains("waiting for an administrator's verification") == true)
            #expect(session.headers[.setCookie] == nil)
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [OpenSession.transactionType])
            #expect(events.first?.outcome == .denied)
            #expect(events.first?.actor == user.credential.address)
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
