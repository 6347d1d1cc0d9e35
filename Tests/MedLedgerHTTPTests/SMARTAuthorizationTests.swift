import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// The SMART authorisation server over HTTP: discovery, the authorise request's checks, the signed
/// `session.open` that must be exactly the one offered, code exchange with PKCE, revocation and
/// the tokens the FHIR routes resolve.
@Suite("SMART App Launch authorisation")
struct SMARTAuthorizationTests {
    static let base = "https://ledger.test"
    static let clientID = "demo-app"
    static let redirect = "https://app.example/callback"
    static let verifier = String(repeating: "v", count: 50)
    static var challenge: String { Base64Coding.url(Array(SHA256.hash(data: Array(verifier.utf8)))) }

    struct Cast {
        let fixture: WebAuthTests.Fixture
        let patient: WebAuthTests.User
        var ledger: TestLedger { fixture.ledger }
        var tokens: AppTokens { fixture.web.issuedTokens }

        static func make() async throws -> Cast {
            let root = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-smart-\(UUID().uuidString)")
            for folder in ["pages", "templates/oauth", "static"] {
                try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
            }
            try #"[{"path": "/login", "public": true, "template": "plain", "title": "Sign in"}]"#
                .write(to: root.appendingPathComponent("pages/test.json"), atomically: true, encoding: .utf8)
            try "<p>{{title}}|{{csrf}}|{{me.address}}</p>".write(to: root.appendingPathComponent("templates/plain.mustache"), atomically: true, encoding: .utf8)
            try "<p>{{message}}</p>".write(to: root.appendingPathComponent("templates/error.mustache"), atomically: true, encoding: .utf8)
            try #"<h1>{{app.name}}</h1>{{#scopes}}<li>{{text}}</li>{{/scopes}}<script type="application/json" id="authorization">{{{authorizationJSON}}}</script>"#
                .write(to: root.appendingPathComponent("templates/oauth/authorize.mustache"), atomically: true, encoding: .utf8)
            let ledger = try await TestLedger.make()
            let credentials = InMemoryCredentialStore()
            var configuration = WebConfiguration(root: root, secret: SymmetricKey(size: .bits256))
            configuration.authHashRounds = 1 << 4
            configuration.publicURL = SMARTAuthorizationTests.base
            let web = try await WebApplication.load(node: ledger.node, credentials: credentials, configuration: configuration, logger: .init(label: "test"))
            let fixture = WebAuthTests.Fixture(ledger: ledger, credentials: credentials, web: web, root: root)
            let receipt = try await ledger.submit(
                RegisterApp(id: SMARTAuthorizationTests.clientID, name: "Demo Health", redirectURIs: [SMARTAuthorizationTests.redirect]), by: ledger.admin)
            #expect(receipt.contract?.allowed == true, "\(receipt.contract?.event.message ?? "")")
            let patient = try await WebAuthTests.user(fixture, username: "pat")
            return Cast(fixture: fixture, patient: patient)
        }
    }

    static func authorizeURI(
        client: String = clientID, redirect: String = redirect, scope: String = "launch/patient openid fhirUser patient/*.rs",
        challenge: String? = SMARTAuthorizationTests.challenge, method: String? = "S256", aud: String = base + "/fhir", state: String = "st-1"
    ) -> String {
        var parts = [("response_type", "code"), ("client_id", client), ("redirect_uri", redirect), ("scope", scope), ("state", state), ("aud", aud)]
        if let challenge { parts.append(("code_challenge", challenge)) }
        if let method { parts.append(("code_challenge_method", method)) }
        return "/oauth/authorize?" + parts.map { "\($0.0)=\(OAuthAuthorization.encode($0.1))" }.joined(separator: "&")
    }

    /// The authorise page's JSON block.
    static func block(_ response: TestResponse) throws -> (request: String, body: [String: Any]) {
        let html = String(buffer: response.body)
        let start = try #require(html.range(of: #"id="authorization">"#))
        let end = try #require(html.range(of: "</script>", range: start.upperBound..<html.endIndex))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(html[start.upperBound..<end.lowerBound].utf8)) as? [String: Any])
        return (try #require(object["request"] as? String), try #require(object["body"] as? [String: Any]))
    }

    static func opening(_ body: [String: Any]) throws -> OpenSession {
        try JSONDecoder().decode(OpenSession.self, from: try JSONSerialization.data(withJSONObject: body))
    }

    static func allowBody(request: String, envelope: [UInt8]) throws -> ByteBuffer {
        WebAuthTests.json(["request": request, "envelope": try JSONSerialization.jsonObject(with: Data(envelope))])
    }

    static func query(_ url: String) -> [String: String] {
        let components = URLComponents(string: url)
        return Dictionary((components?.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { first, _ in first })
    }

    static func form(_ values: [String: String]) -> ByteBuffer {
        ByteBuffer(string: values.map { "\($0.key)=\(OAuthAuthorization.encode($0.value))" }.joined(separator: "&"))
    }

    static let formHeaders: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]

    /// Signs in, opens the authorise page, signs its body and posts it: returns the code.
    static func code(_ client: some TestClientProtocol, _ cast: Cast, scope: String = "launch/patient openid fhirUser patient/*.rs") async throws -> String {
        let (cookie, csrf) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
        let page = try await client.execute(uri: authorizeURI(scope: scope), method: .get, headers: [.cookie: cookie])
        #expect(page.status == .ok)
        let (request, body) = try block(page)
        let envelope = try cast.patient.signer.sign(try opening(body), expires: cast.ledger.clock.now + 60_000)
        let allowed = try await client.execute(
            uri: "/oauth/authorize", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .contentType: "application/json"],
            body: try allowBody(request: request, envelope: envelope))
        #expect(allowed.status == .ok, "\(String(buffer: allowed.body))")
        let redirect = try #require(try WebAuthTests.object(allowed)["redirect"] as? String)
        #expect(redirect.hasPrefix(Self.redirect + "?"))
        let parameters = query(redirect)
        #expect(parameters["state"] == "st-1")
        return try #require(parameters["code"])
    }

    static func exchange(_ client: some TestClientProtocol, code: String, verifier: String = verifier, redirect: String = redirect, clientID: String = clientID)
        async throws -> TestResponse
    {
        try await client.execute(
            uri: "/oauth/token", method: .post, headers: formHeaders,
            body: form(["grant_type": "authorization_code", "code": code, "code_verifier": verifier, "redirect_uri": redirect, "client_id": clientID]))
    }

    @Test("the discovery document names the endpoints, PKCE S256, public clients and the SMART capabilities")
    func discovery() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let response = try await client.execute(uri: "/.well-known/smart-configuration", method: .get)
            #expect(response.status == .ok)
            let document = try WebAuthTests.object(response)
            #expect(document["authorization_endpoint"] as? String == Self.base + "/oauth/authorize")
            #expect(document["token_endpoint"] as? String == Self.base + "/oauth/token")
            #expect(document["revocation_endpoint"] as? String == Self.base + "/oauth/revoke")
            #expect(document["code_challenge_methods_supported"] as? [String] == ["S256"])
            #expect(document["grant_types_supported"] as? [String] == ["authorization_code"])
            #expect(document["token_endpoint_auth_methods_supported"] as? [String] == ["none"])
            #expect(document["response_types_supported"] as? [String] == ["code"])
            let capabilities = Set(try #require(document["capabilities"] as? [String]))
            #expect(capabilities.isSuperset(of: [
                "launch-standalone", "client-public", "context-standalone-patient", "permission-v2", "permission-v1", "permission-patient",
                "permission-user", "sso-openid-connect",
            ]))
            let jwks = try WebAuthTests.object(try await client.execute(uri: "/oauth/jwks", method: .get))
            #expect((jwks["keys"] as? [[String: Any]])?.first?["alg"] as? String == "ES256")
        }
    }

    @Test("the OAuth operations openapi.json describes are exactly the ones the web application routes")
    func openAPIMatchesRoutes() async throws {
        let cast = try await Cast.make()
        let router = buildRouter(node: cast.ledger.node, web: cast.fixture.web)
        let paths = try #require(try OpenAPIDocumentTests.document()["paths"] as? [String: [String: Any]])
        let isOAuth = { (operation: String) in operation.contains(" /oauth/") || operation.contains(" /.well-known/") }
        let documented = Set(paths.flatMap { path, item in item.keys.map { "\($0.uppercased()) \(path)" } }).filter(isOAuth)
        let registered = OpenAPIDocumentTests.operations(of: router).filter(isOAuth)
        #expect(documented == registered)
    }

    @Test("an unknown client or an unregistered redirect gets an error page and never a redirect")
    func badClientNeverRedirects() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            for uri in [Self.authorizeURI(client: "nobody"), Self.authorizeURI(redirect: "https://evil.example/callback")] {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
                #expect(response.status == .badRequest)
                #expect(response.headers[.location] == nil)
            }
        }
    }

    @Test("missing or plain PKCE, a foreign aud and system scopes are sent back to the app as errors with the state")
    func requestErrorsRedirect() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            let cases: [(String, String)] = [
                (Self.authorizeURI(challenge: nil), "invalid_request"),
                (Self.authorizeURI(method: "plain"), "invalid_request"),
                (Self.authorizeURI(challenge: "short"), "invalid_request"),
                (Self.authorizeURI(aud: "https://elsewhere.example/fhir"), "invalid_request"),
                (Self.authorizeURI(scope: "system/*.rs"), "invalid_scope"),
                (Self.authorizeURI(scope: "openid"), "invalid_scope"),
                (Self.authorizeURI() + "&scope=user%2F*.rs", "invalid_request"),
            ]
            for (uri, error) in cases {
                let response = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
                #expect(response.status == .seeOther, "\(uri)")
                let location = try #require(response.headers[.location])
                #expect(location.hasPrefix(Self.redirect + "?"))
                #expect(Self.query(location)["error"] == error, "\(uri)")
                #expect(Self.query(location)["state"] == "st-1")
            }
        }
    }

    @Test("a signed-out user is sent to the log-in page and back to the authorise request")
    func signedOutGoesToLogin() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let response = try await client.execute(uri: Self.authorizeURI(), method: .get)
            #expect(response.status == .seeOther)
            let location = try #require(response.headers[.location])
            #expect(location.hasPrefix("/login?next=%2Foauth%2Fauthorize%3F"))
        }
    }

    @Test("allowing records the signed session.open for the app, and the code buys a token that resolves to the app's session")
    func fullFlow() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let code = try await Self.code(client, cast)
            let response = try await Self.exchange(client, code: code)
            #expect(response.status == .ok)
            #expect(response.headers[.cacheControl] == "no-store")
            let answer = try WebAuthTests.object(response)
            let token = try #require(answer["access_token"] as? String)
            #expect(answer["token_type"] as? String == "Bearer")
            #expect((answer["expires_in"] as? Int).map { (3500...3600).contains($0) } == true)
            #expect(answer["patient"] as? String == cast.patient.signer.address.rawValue)
            #expect(answer["scope"] as? String == "launch/patient openid fhirUser patient/*.rs")
            // The id_token is an ES256 JWT over the published key, naming the patient as fhirUser.
            let parts = try #require(answer["id_token"] as? String).split(separator: ".").map(String.init)
            #expect(parts.count == 3)
            let payload = try #require(Base64Coding.decodeURL(parts[1]))
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
            #expect(claims["fhirUser"] as? String == "\(Self.base)/fhir/Patient/\(cast.patient.signer.address)")
            #expect(claims["aud"] as? String == Self.clientID)
            #expect(claims["iss"] as? String == Self.base)
            let signatureBytes = try #require(Base64Coding.decodeURL(parts[2]))
            let signature = try P256.Signing.ECDSASignature(rawRepresentation: signatureBytes)
            #expect(cast.fixture.web.idTokens.key.publicKey.isValidSignature(signature, for: Data("\(parts[0]).\(parts[1])".utf8)))
            let session = try #require(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now)).web
            #expect(session.account == cast.patient.signer.address)
            let ledgerSession = try #require(await cast.ledger.node.ledgerSession(session.sessionAddress))
            #expect(ledgerSession.app == Self.clientID)
            #expect(ledgerSession.patient == cast.patient.signer.address)
            #expect(try await cast.tokens.caller(forAccessToken: "not-a-token", now: cast.ledger.clock.now) == nil)
        }
    }

    @Test("the scope list may be encoded with + for spaces, as form-encoding clients send it")
    func plusEncodedScopes() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            let uri = Self.authorizeURI(scope: "launch/patient patient/*.rs").replacingOccurrences(of: "%20", with: "+")
            let page = try await client.execute(uri: uri, method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            #expect(try Self.opening(try Self.block(page).body).scopes == ["launch/patient", "patient/*.rs"])
        }
    }

    @Test("a professional is offered user/ scopes only, with no launch patient, and the id_token names them as a Practitioner")
    func professionalsGetUserScopes() async throws {
        let cast = try await Cast.make()
        let doctor = try await WebAuthTests.user(cast.fixture, username: "doctor.one", role: .doctor, register: false)
        try await cast.ledger.addVerifiedDoctor(doctor.signer)
        try await cast.fixture.app.test(.router) { client in
            let (cookie, csrf) = try await WebAuthTests.signIn(client, cast.fixture, doctor)
            let page = try await client.execute(
                uri: Self.authorizeURI(scope: "launch/patient openid fhirUser patient/*.rs user/DocumentReference.rs"), method: .get,
                headers: [.cookie: cookie])
            #expect(page.status == .ok)
            let (request, body) = try Self.block(page)
            let offered = try Self.opening(body)
            #expect(offered.scopes == ["openid", "fhirUser", "user/DocumentReference.rs"])
            #expect(offered.patient == nil)
            let envelope = try doctor.signer.sign(offered, expires: cast.ledger.clock.now + 60_000)
            let allowed = try await client.execute(
                uri: "/oauth/authorize", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .contentType: "application/json"],
                body: try Self.allowBody(request: request, envelope: envelope))
            #expect(allowed.status == .ok)
            let redirect = try #require(try WebAuthTests.object(allowed)["redirect"] as? String)
            let code = try #require(Self.query(redirect)["code"])
            let answer = try WebAuthTests.object(try await Self.exchange(client, code: code))
            #expect(answer["patient"] == nil)
            let parts = try #require(answer["id_token"] as? String).split(separator: ".").map(String.init)
            let payload = try #require(Base64Coding.decodeURL(parts[1]))
            let claims = try #require(try JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any])
            #expect(claims["fhirUser"] as? String == "\(Self.base)/fhir/Practitioner/\(doctor.signer.address)")
        }
    }

    @Test("a signed body that differs from the one offered is refused and nothing is recorded")
    func mismatchedBodiesAreRefused() async throws {
        let cast = try await Cast.make()
        let other = try await WebAuthTests.user(cast.fixture, username: "other")
        try await cast.fixture.app.test(.router) { client in
            let (cookie, csrf) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            let page = try await client.execute(uri: Self.authorizeURI(), method: .get, headers: [.cookie: cookie])
            let (request, body) = try Self.block(page)
            let offered = try Self.opening(body)
            var otherScopes = offered
            otherScopes.scopes = ["launch/patient", "patient/*.rs", "user/*.rs"]
            var otherExpiry = offered
            otherExpiry.expires += 60_000
            var otherKey = offered
            otherKey.sessionKey = P256.Signing.PrivateKey().publicKey.payloadKey
            let attempts: [(OpenSession, EnvelopeSigner)] = [
                (otherScopes, cast.patient.signer), (otherExpiry, cast.patient.signer), (otherKey, cast.patient.signer), (offered, other.signer),
            ]
            let before = cast.ledger.node.size
            for (opening, signer) in attempts {
                let envelope = try signer.sign(opening, expires: cast.ledger.clock.now + 60_000)
                let response = try await client.execute(
                    uri: "/oauth/authorize", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .contentType: "application/json"],
                    body: try Self.allowBody(request: request, envelope: envelope))
                #expect(response.status == .unprocessableContent)
                #expect((try WebAuthTests.object(response)["error"] as? [String: Any])?["code"] as? String == "authorization_mismatch")
            }
            #expect(cast.ledger.node.size == before)
            // The request is still open: the right signature is accepted afterwards.
            let envelope = try cast.patient.signer.sign(offered, expires: cast.ledger.clock.now + 60_000)
            let allowed = try await client.execute(
                uri: "/oauth/authorize", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .contentType: "application/json"],
                body: try Self.allowBody(request: request, envelope: envelope))
            #expect(allowed.status == .ok)
        }
    }

    @Test("the answers to the authorise page need the CSRF token")
    func answersNeedCSRF() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            let page = try await client.execute(uri: Self.authorizeURI(), method: .get, headers: [.cookie: cookie])
            let (request, body) = try Self.block(page)
            let envelope = try cast.patient.signer.sign(try Self.opening(body), expires: cast.ledger.clock.now + 60_000)
            let before = cast.ledger.node.size
            for uri in ["/oauth/authorize", "/oauth/authorize/deny"] {
                let response = try await client.execute(
                    uri: uri, method: .post, headers: [.cookie: cookie, .contentType: "application/json"],
                    body: try Self.allowBody(request: request, envelope: envelope))
                #expect(response.status == .forbidden)
            }
            #expect(cast.ledger.node.size == before)
        }
    }

    @Test("deny sends the app access_denied with its state")
    func deny() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let (cookie, csrf) = try await WebAuthTests.signIn(client, cast.fixture, cast.patient)
            let page = try await client.execute(uri: Self.authorizeURI(), method: .get, headers: [.cookie: cookie])
            let (request, _) = try Self.block(page)
            let response = try await client.execute(
                uri: "/oauth/authorize/deny", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .contentType: "application/json"],
                body: WebAuthTests.json(["request": request]))
            #expect(response.status == .ok)
            let redirect = try #require(try WebAuthTests.object(response)["redirect"] as? String)
            #expect(Self.query(redirect)["error"] == "access_denied")
            #expect(Self.query(redirect)["state"] == "st-1")
        }
    }

    @Test("a wrong verifier, a reused or expired code, or another redirect or client all get invalid_grant")
    func codeRedemptionFailures() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            func error(_ response: TestResponse) throws -> String? {
                #expect(response.status == .badRequest)
                return try WebAuthTests.object(response)["error"] as? String
            }
            #expect(try error(try await Self.exchange(client, code: try await Self.code(client, cast), verifier: String(repeating: "w", count: 50))) == "invalid_grant")
            #expect(try error(try await Self.exchange(client, code: try await Self.code(client, cast), redirect: "https://app.example/other")) == "invalid_grant")
            #expect(try error(try await Self.exchange(client, code: try await Self.code(client, cast), clientID: "someone-else")) == "invalid_grant")
            let used = try await Self.code(client, cast)
            #expect(try await Self.exchange(client, code: used).status == .ok)
            #expect(try error(try await Self.exchange(client, code: used)) == "invalid_grant")
            let late = try await Self.code(client, cast)
            cast.ledger.clock.advance(millis: OAuthStore.codeLifetime + 1)
            #expect(try error(try await Self.exchange(client, code: late)) == "invalid_grant")
            #expect(try error(try await Self.exchange(client, code: "never-issued")) == "invalid_grant")
        }
    }

    @Test("revoking a token ends it and closes its ledger session; unknown tokens are answered 200 too")
    func revoke() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let answer = try WebAuthTests.object(try await Self.exchange(client, code: try await Self.code(client, cast)))
            let token = try #require(answer["access_token"] as? String)
            let session = try #require(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now)).web
            let response = try await client.execute(uri: "/oauth/revoke", method: .post, headers: Self.formHeaders, body: Self.form(["token": token]))
            #expect(response.status == .ok)
            #expect(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now) == nil)
            #expect(await cast.ledger.node.ledgerSession(session.sessionAddress)?.closedAt != nil)
            let again = try await client.execute(uri: "/oauth/revoke", method: .post, headers: Self.formHeaders, body: Self.form(["token": "unknown"]))
            #expect(again.status == .ok)
        }
    }

    @Test("a token of a retired app, or of a session the user closed, no longer resolves")
    func retiredAppsAndClosedSessionsEndTokens() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let first = try #require(try WebAuthTests.object(try await Self.exchange(client, code: try await Self.code(client, cast)))["access_token"] as? String)
            let second = try #require(try WebAuthTests.object(try await Self.exchange(client, code: try await Self.code(client, cast)))["access_token"] as? String)
            let session = try #require(try await cast.tokens.caller(forAccessToken: first, now: cast.ledger.clock.now)).web
            let closed = try await cast.ledger.submit(CloseSession(session: session.sessionAddress), by: cast.patient.signer)
            #expect(closed.contract?.allowed == true)
            #expect(try await cast.tokens.caller(forAccessToken: first, now: cast.ledger.clock.now) == nil)
            #expect(try await cast.tokens.caller(forAccessToken: second, now: cast.ledger.clock.now) != nil)
            let retired = try await cast.ledger.submit(RetireApp(id: Self.clientID), by: cast.ledger.admin)
            #expect(retired.contract?.allowed == true)
            #expect(try await cast.tokens.caller(forAccessToken: second, now: cast.ledger.clock.now) == nil)
        }
    }

    @Test("a token ends with its hour, even when used within the idle limit, and its key's reads are then refused by the contracts")
    func tokensExpire() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let answer = try WebAuthTests.object(try await Self.exchange(client, code: try await Self.code(client, cast)))
            let token = try #require(answer["access_token"] as? String)
            let lifetime = try #require(answer["expires_in"] as? Int)
            let session = try #require(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now)).web
            // Used every 20 minutes, so the idle limit never ends it; only its expiry does.
            var used: Int64 = 0
            while used + 20 * 60_000 < Int64(lifetime) * 1000 {
                cast.ledger.clock.advance(millis: 20 * 60_000)
                used += 20 * 60_000
                #expect(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now) != nil)
            }
            cast.ledger.clock.advance(millis: Int64(lifetime) * 1000 - used + 1_000)
            #expect(try await cast.tokens.caller(forAccessToken: token, now: cast.ledger.clock.now) == nil)
            let read = try await cast.ledger.submit(ListAppointments(), by: EnvelopeSigner(key: session.key, origin: cast.ledger.node.origin))
            #expect(read.contract?.allowed == false)
            #expect(read.contract?.event.message.contains("expired") == true)
        }
    }
}
