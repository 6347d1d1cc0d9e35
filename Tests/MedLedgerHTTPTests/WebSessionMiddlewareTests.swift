import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// The session and CSRF middleware on a router of their own, so each rule is seen apart from any
/// page: one cookie look-up fills `context.session`, the groups answer signed-out clients as the
/// web application does, and state-changing requests need the session's CSRF token.
@Suite("session and CSRF middleware")
struct WebSessionMiddlewareTests {
    struct Fixture {
        let sessions = WebSessionStore()
        let clock = TestClock()

        /// Routes shaped like the web application's groups, each answering with what it saw.
        var app: some ApplicationProtocol {
            let router = Router(context: MedLedgerRequestContext.self)
            router.get("v1/probe") { _, context in context.session == nil ? "no session" : "session" }
            let web = router.group().add(middleware: SessionMiddleware(sessions: sessions, clock: clock.read))
            web.get("who") { _, context in context.session?.username ?? "nobody" }
            let signedIn = web.group()
                .add(middleware: RequireSessionMiddleware(signedOut: .unauthorized))
                .add(middleware: CSRFMiddleware())
            signedIn.get("read") { _, context in try context.requireSession().username }
            signedIn.post("change") { _, context in "changed by \(try context.requireSession().username)" }
            let exports = web.group().add(middleware: RequireSessionMiddleware(signedOut: .loginPageForBrowsers))
            exports.get("export") { _, context in "export for \(try context.requireSession().username)" }
            return Application(router: router)
        }

        /// A live session; returns its cookie header value and CSRF token.
        func signIn(_ username: String) async throws -> (cookie: String, csrf: String) {
            let account = P256.Signing.PrivateKey().publicKey.address
            let pending = try await sessions.begin(account: account, username: username, now: clock.now)
            let (token, session) = try await sessions.activate(pending, now: clock.now)
            return ("\(WebCookie.name)=\(token)", session.csrf)
        }
    }

    static func code(_ response: TestResponse) -> String? {
        let body = try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
        return (body?["error"] as? [String: Any])?["code"] as? String
    }

    @Test("without a cookie: optional routes see no session, signed-in routes answer 401 signed_out, exports send browsers to the log-in page")
    func signedOut() async throws {
        let fixture = Fixture()
        try await fixture.app.test(.router) { client in
            let who = try await client.execute(uri: "/who", method: .get)
            #expect(String(buffer: who.body) == "nobody")
            for (uri, method) in [("/read", HTTPRequest.Method.get), ("/change", .post), ("/export", .get)] {
                let refused = try await client.execute(uri: uri, method: method)
                #expect(refused.status == .unauthorized, "\(uri)")
                #expect(Self.code(refused) == "signed_out", "\(uri)")
            }
            let browser = try await client.execute(uri: "/export?all=true", method: .get, headers: [.accept: "text/html"])
            #expect(browser.status == .seeOther)
            #expect(browser.headers[.location] == "/login?next=%2Fexport%3Fall%3Dtrue")
            // A signed-in-only JSON route does not redirect, whatever the client asks for.
            let page = try await client.execute(uri: "/read", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .unauthorized)
        }
    }

    @Test("a live cookie fills context.session for every web route; the API's routes never read it")
    func sessionFilled() async throws {
        let fixture = Fixture()
        let (cookie, _) = try await fixture.signIn("carol")
        try await fixture.app.test(.router) { client in
            let who = try await client.execute(uri: "/who", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: who.body) == "carol")
            let read = try await client.execute(uri: "/read", method: .get, headers: [.cookie: cookie])
            #expect(read.status == .ok)
            #expect(String(buffer: read.body) == "carol")
            let export = try await client.execute(uri: "/export", method: .get, headers: [.cookie: "theme=dark; \(cookie)", .accept: "text/html"])
            #expect(String(buffer: export.body) == "export for carol")
            let api = try await client.execute(uri: "/v1/probe", method: .get, headers: [.cookie: cookie])
            #expect(String(buffer: api.body) == "no session")
        }
    }

    @Test("an unknown token, or a session idle past its limit, counts as signed out")
    func unknownOrIdleCookie() async throws {
        let fixture = Fixture()
        let (cookie, _) = try await fixture.signIn("dana")
        try await fixture.app.test(.router) { client in
            let forged = try await client.execute(uri: "/who", method: .get, headers: [.cookie: "\(WebCookie.name)=\(WebSessionStore.randomToken())"])
            #expect(String(buffer: forged.body) == "nobody")
            fixture.clock.advance(millis: WebSessionStore.idleLimit)
            let idle = try await client.execute(uri: "/read", method: .get, headers: [.cookie: cookie])
            #expect(idle.status == .unauthorized)
        }
    }

    @Test("a post needs the session's CSRF token and no foreign Origin; reads need neither")
    func csrf() async throws {
        let fixture = Fixture()
        let (cookie, csrf) = try await fixture.signIn("erin")
        let (_, otherCSRF) = try await fixture.signIn("frank")
        try await fixture.app.test(.router) { client in
            let read = try await client.execute(uri: "/read", method: .get, headers: [.cookie: cookie])
            #expect(read.status == .ok)
            let missing = try await client.execute(uri: "/change", method: .post, headers: [.cookie: cookie])
            #expect(missing.status == .forbidden)
            #expect(Self.code(missing) == "csrf")
            let another = try await client.execute(uri: "/change", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: otherCSRF])
            #expect(another.status == .forbidden)
            #expect(Self.code(another) == "csrf")
            let crossSite = try await client.execute(
                uri: "/change", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf, .origin: "https://evil.example"])
            #expect(crossSite.status == .forbidden)
            #expect(Self.code(crossSite) == "csrf")
            let own = try await client.execute(uri: "/change", method: .post, headers: [.cookie: cookie, WebAuthentication.csrfHeader: csrf])
            #expect(own.status == .ok)
            #expect(String(buffer: own.body) == "changed by erin")
        }
    }

    @Test("only methods that can change state need the token")
    func unsafeMethods() {
        for method in [HTTPRequest.Method.post, .put, .patch, .delete] { #expect(CSRFMiddleware<MedLedgerRequestContext>.changesState(method)) }
        for method in [HTTPRequest.Method.get, .head, .options] { #expect(!CSRFMiddleware<MedLedgerRequestContext>.changesState(method)) }
    }

    @Test("the web application's groups: a signed-out page redirects, sign-out and downloads answer 401, a forged sign-out 403")
    func applicationGroups() async throws {
        let fixture = try await WebAuthTests.fixture()
        let user = try await WebAuthTests.user(fixture, username: "gina")
        try await fixture.app.test(.router) { client in
            let page = try await client.execute(uri: "/mine", method: .get, headers: [.accept: "text/html"])
            #expect(page.status == .seeOther)
            #expect(page.headers[.location] == "/login?next=%2Fmine")
            let publicPage = try await client.execute(uri: "/login", method: .get)
            #expect(publicPage.status == .ok)
            for (uri, method) in [("/auth/logout", HTTPRequest.Method.post), ("/auth/key-file", .get), ("/records/r1/download", .get), ("/records/r1/audit-bundle", .get)] {
                let refused = try await client.execute(uri: uri, method: method)
                #expect(refused.status == .unauthorized, "\(uri)")
                #expect(Self.code(refused) == "signed_out", "\(uri)")
            }
            let export = try await client.execute(uri: "/patient/activity.csv", method: .get, headers: [.accept: "text/html"])
            #expect(export.status == .seeOther)
            let (cookie, csrf) = try await WebAuthTests.signIn(client, fixture, user)
            let forged = try await client.execute(uri: "/auth/password", method: .post, headers: [.cookie: cookie, .contentType: "application/json"])
            #expect(forged.status == .forbidden)
            #expect(Self.code(forged) == "csrf")
            let keyFile = try await client.execute(uri: "/auth/key-file", method: .get, headers: [.cookie: cookie])
            #expect(keyFile.status == .ok)
            let mine = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
            #expect(mine.status == .ok)
            #expect(String(buffer: mine.body).contains(csrf))
        }
    }
}
