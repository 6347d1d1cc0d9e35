import Hummingbird
import HTTPTypes
import Testing

@testable import MedLedgerHTTP

@Suite("session cookie")
struct WebCookieTests {
    static func request(cookies: [String]) -> Request {
        var head = HTTPRequest(method: .get, scheme: "http", authority: "localhost", path: "/patient")
        for cookie in cookies { head.headerFields.append(HTTPField(name: .cookie, value: cookie)) }
        return Request(head: head, body: .init(buffer: .init()))
    }

    @Test("the cookie is HttpOnly, SameSite=Strict and site-wide, Secure only behind TLS; clearing it expires it at once")
    func attributes() {
        let plain = WebCookie.set("tok_123", secure: false, maxAge: 43_200)
        #expect(plain.hasPrefix("ml_session=tok_123;"))
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] { #expect(plain.contains(attribute), "\(attribute)") }
        #expect(!plain.contains("Secure"))
        #expect(WebCookie.set("tok_123", secure: true, maxAge: 60).contains("Secure"))
        let cleared = WebCookie.clear(secure: true)
        #expect(cleared.hasPrefix("ml_session=;") && cleared.contains("Max-Age=0") && cleared.contains("Secure"))
    }

    @Test("the token is found among other cookies and headers; a lookalike name or none gives no token")
    func reading() {
        #expect(WebCookie.token(in: Self.request(cookies: ["theme=dark; ml_session=abc-DEF_1; lang=en"])) == "abc-DEF_1")
        #expect(WebCookie.token(in: Self.request(cookies: ["theme=dark", "ml_session=xyz"])) == "xyz")
        #expect(WebCookie.token(in: Self.request(cookies: ["xml_session=abc; ml_sessions=def"])) == nil)
        #expect(WebCookie.token(in: Self.request(cookies: [])) == nil)
    }
}
