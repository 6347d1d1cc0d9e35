import Crypto
import Foundation
import MedLedgerClient
import MedLedgerCore
import NIOHTTP1

/// Obtains an access token through the real SMART standalone launch over HTTP, as an app and its
/// user's browser would: the user is signed in (``BrowserSignIn``), the app sends the browser to
/// `GET /oauth/authorize` with a PKCE S256 challenge, the user's key signs the `session.open` body
/// the authorise page embeds, `POST /oauth/authorize` answers the redirect with a code, and the app
/// exchanges the code and its verifier at `POST /oauth/token`. Nothing is taken from inside the
/// server, so the benchmark measures tokens exactly as apps get them.
struct SMARTAuthorization {
    let server: HTTPEndpoint
    let origin: String

    /// The token endpoint's answer.
    struct Token: Decodable {
        let access_token: String
        let token_type: String
        let expires_in: Int
        let scope: String
        let patient: String?
    }

    func token(
        key: P256.Signing.PrivateKey, username: String, password: String, clientID: String, redirectURI: String, scopes: String
    ) async throws -> Token {
        let cookie = try await BrowserSignIn(server: server, origin: origin).signIn(username: username, password: password)
        let verifier = Base64Coding.url((0..<32).map { _ in UInt8.random(in: 0...255) })
        let challenge = Base64Coding.url(Array(SHA256.hash(data: Array(verifier.utf8))))
        let state = Base64Coding.url((0..<12).map { _ in UInt8.random(in: 0...255) })
        let audience = try await fhirBase()
        let query = Self.formEncoded([
            ("response_type", "code"), ("client_id", clientID), ("redirect_uri", redirectURI), ("scope", scopes),
            ("state", state), ("aud", audience), ("code_challenge", challenge), ("code_challenge_method", "S256"),
        ])
        let page = try await server.client.send(.GET, "/oauth/authorize?\(query)", headers: [("Cookie", cookie)])
        guard page.status == 200 else { throw BenchError("GET /oauth/authorize answered HTTP \(page.status): \(page.excerpt)") }
        let html = String(decoding: page.body, as: UTF8.self)
        guard let block = Self.scriptBlock(id: "authorization", in: html),
            let pending = try JSONSerialization.jsonObject(with: Data(block.utf8)) as? [String: Any],
            let request = pending["request"], let body = pending["body"]
        else { throw BenchError("the authorise page has no authorization JSON block") }
        guard let csrf = Self.metaContent(name: "csrf-token", in: html) else { throw BenchError("the authorise page has no CSRF token") }

        // The user's key signs exactly the body the page shows.
        let open = try JSONDecoder().decode(OpenSession.self, from: JSONSerialization.data(withJSONObject: body))
        let envelope = try EnvelopeSigner(key: key, origin: origin).sign(open, expires: Int64(Date().timeIntervalSince1970 * 1000) + 120_000)
        let post = try JSONSerialization.data(withJSONObject: [
            "request": request, "envelope": try JSONSerialization.jsonObject(with: Data(envelope)),
        ])
        let allowed = try await server.client.send(.POST, "/oauth/authorize", body: Array(post), headers: [
            ("Cookie", cookie), ("X-CSRF-Token", csrf), ("Origin", server.description), ("Content-Type", "application/json"),
        ])
        guard allowed.status == 200,
            let answer = try JSONSerialization.jsonObject(with: Data(allowed.body)) as? [String: Any],
            let redirect = answer["redirect"] as? String,
            let items = URLComponents(string: redirect)?.queryItems,
            let code = items.first(where: { $0.name == "code" })?.value
        else { throw BenchError("POST /oauth/authorize answered HTTP \(allowed.status): \(allowed.excerpt)") }
        guard items.first(where: { $0.name == "state" })?.value == state else { throw BenchError("the redirect lost the state") }

        let form = Self.formEncoded([
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI), ("client_id", clientID),
            ("code_verifier", verifier),
        ])
        let exchanged = try await server.client.send(.POST, "/oauth/token", body: Array(form.utf8), headers: [
            ("Content-Type", "application/x-www-form-urlencoded"), ("Accept", "application/json"),
        ])
        guard exchanged.status == 200 else { throw BenchError("POST /oauth/token answered HTTP \(exchanged.status): \(exchanged.excerpt)") }
        return try exchanged.decode(Token.self)
    }

    /// The FHIR base the token is for (`aud`), from the server's own SMART configuration.
    private func fhirBase() async throws -> String {
        let answer = try await server.client.send(.GET, "/.well-known/smart-configuration", headers: [("Accept", "application/json")])
        guard answer.status == 200,
            let document = try JSONSerialization.jsonObject(with: Data(answer.body)) as? [String: Any],
            let authorize = document["authorization_endpoint"] as? String,
            let range = authorize.range(of: "/oauth/authorize", options: .backwards)
        else { return "\(server.description)/fhir" }
        return String(authorize[..<range.lowerBound]) + "/fhir"
    }

    /// `name=value&…` with every reserved character percent-encoded.
    static func formEncoded(_ fields: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return fields.map { name, value in
            "\(name)=\(value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value)"
        }.joined(separator: "&")
    }

    /// The text of `<script … id="ID" …>TEXT</script>`.
    static func scriptBlock(id: String, in html: String) -> String? {
        guard let marker = html.range(of: "id=\"\(id)\""),
            let open = html[marker.upperBound...].firstIndex(of: ">"),
            let close = html[open...].range(of: "</script>")
        else { return nil }
        return String(html[html.index(after: open)..<close.lowerBound])
    }

    /// The `content` of `<meta name="NAME" content="…">`.
    static func metaContent(name: String, in html: String) -> String? {
        guard let marker = html.range(of: "<meta name=\"\(name)\" content=\"") else { return nil }
        let rest = html[marker.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}
