import HTTPTypes
import Foundation
import Hummingbird
import MedLedgerCore

/// Reading and checking what the sign-in routes receive; every refusal is a plain-words 4xx.
enum WebInput {
    /// The largest JSON body the sign-in routes read.
    static let maxBody = 64 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBody)
        } catch {
            throw APIError(status: .contentTooLarge, code: "too_large", message: "The request is too large.")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError(status: .badRequest, code: "malformed", message: "The request is not in the expected form.")
        }
    }

    /// 3–64 letters, digits, dots, dashes and underscores.
    static func username(_ value: String) throws -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "._-"))
        guard (3...64).contains(value.count), value.unicodeScalars.allSatisfy({ $0.isASCII && allowed.contains($0) }) else {
            throw APIError(status: .unprocessableContent, code: "invalid_username", message: "A username is 3 to 64 letters, digits, dots, dashes or underscores.")
        }
        return value
    }

    /// A 32-byte base64url authentication key.
    static func authKey(_ value: String) throws -> [UInt8] {
        guard let bytes = Base64Coding.decodeURL(value), bytes.count == 32 else {
            throw APIError(status: .badRequest, code: "invalid_auth_key", message: "The authentication key must be 32 bytes of base64url.")
        }
        return bytes
    }

    /// The key derivation's salt and cost, and the wrapped key's shape.
    static func checkDerivation(salt: String, iterations: Int, wrappedKey: String) throws {
        guard let saltBytes = Base64Coding.decodeURL(salt), (16...64).contains(saltBytes.count) else {
            throw APIError(status: .badRequest, code: "invalid_salt", message: "The salt must be 16 to 64 bytes of base64url.")
        }
        guard iterations >= Credential.minimumIterations, iterations <= 10_000_000 else {
            throw APIError(status: .unprocessableContent, code: "weak_derivation", message: "The key must be derived with at least \(Credential.minimumIterations) PBKDF2 iterations.")
        }
        guard let wrapped = Base64Coding.decodeURL(wrappedKey), (12 + 16 + 64...12 + 16 + 512).contains(wrapped.count) else {
            throw APIError(status: .badRequest, code: "invalid_wrapped_key", message: "The wrapped key is not an AES-GCM wrapped P-256 key.")
        }
    }
}

/// Where each role lands after signing in.
enum WebPaths {
    static func home(for role: Role?) -> String {
        switch role {
        case .patient: "/patient"
        case .doctor: "/doctor"
        case .auditor: "/auditor"
        case .admin: "/admin"
        case .hospitalManagement, .pharmacy: "/staff"
        case nil: "/account"
        }
    }
}

/// The session cookie: HttpOnly, SameSite=Strict, whole site, Secure behind TLS. Written and read
/// with Hummingbird's `Cookie` and `Request.cookies`.
enum WebCookie {
    static let name = "ml_session"

    static func set(_ token: String, secure: Bool, maxAge: Int64) -> String {
        Cookie(name: name, value: token, maxAge: Int(clamping: maxAge), path: "/", secure: secure, httpOnly: true, sameSite: .strict).description
    }

    static func clear(secure: Bool) -> String {
        Cookie(name: name, value: "", maxAge: 0, path: "/", secure: secure, httpOnly: true, sameSite: .strict).description
    }

    static func token(in request: Request) -> String? {
        request.cookies[name]?.value
    }
}

/// The log-in redirect and the CSRF and same-origin rules of the cookie-authenticated routes. The
/// session itself is looked up once per request by ``SessionMiddleware``, and the CSRF rules are
/// applied to a route group by ``CSRFMiddleware``.
enum WebAuthentication {
    static let csrfHeader = HTTPField.Name("X-CSRF-Token")!

    /// Sends a signed-out browser to the log-in page, and back to this page after it.
    static func loginRedirect(_ request: Request) -> Response {
        var target = request.uri.path
        if let raw = request.uri.query { target += "?" + raw }
        let next = target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "/"
        return Response(status: .seeOther, headers: [.location: "/login?next=\(next)"])
    }

    /// The token must match (compared in constant time), and a browser-sent Origin must be ours.
    static func checkCSRF(_ request: Request, session: WebSession) throws {
        let sent = request.headers[csrfHeader] ?? ""
        guard AuthKeyHasher.constantTimeEqual(Array(sent.utf8), Array(session.csrf.utf8)) else {
            throw APIError(status: .forbidden, code: "csrf", message: "This request did not come from a MedLedger page. Reload the page and try again.")
        }
        try checkOrigin(request)
    }

    /// A browser-sent `Origin` must be this site's own.
    static func checkOrigin(_ request: Request) throws {
        if let origin = request.headers[.origin] {
            guard let host = request.head.authority, origin == "http://\(host)" || origin == "https://\(host)" else {
                throw APIError(status: .forbidden, code: "csrf", message: "This request came from another site.")
            }
        }
    }

    /// For a route that sets the session cookie: JSON only, and from this site. Another site's
    /// form can post `text/plain` without a preflight; were that accepted, it could sign the victim
    /// into the attacker's account (login CSRF) and have them file their records there.
    static func requireSameOriginJSON(_ request: Request) throws {
        let type = request.headers[.contentType].map(MediaTypeSniffer.essence) ?? ""
        guard type == "application/json" else {
            throw APIError(status: .unsupportedMediaType, code: "json_only", message: "Send this request as JSON (Content-Type: application/json).")
        }
        try checkOrigin(request)
    }
}
