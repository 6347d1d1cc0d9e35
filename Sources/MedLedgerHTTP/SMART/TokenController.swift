import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerNode

/// The OAuth endpoints an app calls directly (no cookies): SMART discovery, the id_token key set,
/// `POST /oauth/token` (authorization code + PKCE → access token) and `POST /oauth/revoke`.
///
/// A code is taken from the shared web state before anything is checked, so it is spent by its
/// first redemption, right or wrong, on whichever node. Every failure answers the same
/// `invalid_grant`, so an answer never tells whether a code existed. Both endpoints spend the
/// caller's address's sign-in budget (``SignInLimits``), the one meant for anonymous callers.
struct TokenController<Context: RequestContext & RemoteAddressRequestContext>: Sendable {
    let node: LedgerNode
    let store: OAuthStore
    let idTokens: IDTokenSigner
    let configuration: WebConfiguration
    let signIn: SignInLimits
    let logger: Logger

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get(".well-known/smart-configuration", use: discovery)
        router.get("oauth/jwks", use: jwks)
        router.post("oauth/token", use: token)
        router.post("oauth/revoke", use: revoke)
    }

    /// The token endpoint's answer (RFC 6749 §5.1, with SMART's launch context).
    struct TokenResponse: Encodable {
        var access_token: String
        var token_type = "Bearer"
        var expires_in: Int64
        var scope: String
        var patient: String?
        var id_token: String?
    }

    struct TokenError: Encodable {
        var error: String
        var error_description: String
    }

    @Sendable func discovery(_ request: Request, context: Context) async throws -> Response {
        var response = try JSONResponse.make(status: .ok, SMARTConfiguration(base: SMARTConfiguration.base(request, configuration: configuration)))
        Self.allowAnyOrigin(&response)
        return response
    }

    @Sendable func jwks(_ request: Request, context: Context) async throws -> Response {
        var response = try JSONResponse.make(status: .ok, idTokens.jwks)
        Self.allowAnyOrigin(&response)
        return response
    }

    @Sendable func token(_ request: Request, context: Context) async throws -> Response {
        try await signIn.admit(client: Self.client(context))
        guard let form = try await OAuthForm.read(request), !form.repeated else {
            return try Self.failure(.badRequest, "invalid_request", "send one of each parameter as application/x-www-form-urlencoded")
        }
        guard form["grant_type"] == "authorization_code" else {
            return try Self.failure(.badRequest, "unsupported_grant_type", "only grant_type=authorization_code is supported")
        }
        guard let code = form["code"], let verifier = form["code_verifier"], let clientID = form["client_id"], let redirect = form["redirect_uri"]
        else {
            return try Self.failure(.badRequest, "invalid_request", "code, code_verifier, client_id and redirect_uri are required")
        }
        let now = node.clock()
        let invalid = { try Self.failure(.badRequest, "invalid_grant", "the code is unknown, used, expired or does not match this request") }
        guard let granted = try await store.take(.code, secret: code, now: now) else { return try invalid() }
        let authorization = granted.authorization
        guard authorization.app == clientID, authorization.redirectURI == redirect,
            PKCE.verify(verifier: verifier, challenge: authorization.codeChallenge)
        else { return try invalid() }
        // The user may have revoked the session, or the app been retired, in the code's minute.
        guard await node.openAppSession(granted.key.publicKey.address, now: now) != nil else { return try invalid() }
        let token = try await store.issueToken(
            account: granted.account, username: authorization.username, key: granted.key, expires: authorization.tokenExpires, now: now)
        var answer = TokenResponse(
            access_token: token, expires_in: max(0, (authorization.tokenExpires - now) / 1000), scope: authorization.scopes.joined(separator: " "),
            patient: authorization.patient?.rawValue)
        if authorization.scopes.contains("openid") {
            answer.id_token = try await idToken(authorization, account: granted.account, issuer: SMARTConfiguration.base(request, configuration: configuration), now: now)
        }
        logger.info("app token issued", metadata: ["app": "\(authorization.app)", "address": "\(granted.account)"])
        var response = try JSONResponse.make(status: .ok, answer)
        response.headers[HTTPField.Name("Pragma")!] = "no-cache"
        Self.allowAnyOrigin(&response)
        return response
    }

    private func idToken(_ authorization: OAuthAuthorization, account: AccountAddress, issuer: String, now: Int64) async throws -> String {
        var claims: [String: Any] = [
            "iss": issuer, "sub": account.rawValue, "aud": authorization.app, "iat": now / 1000, "exp": authorization.tokenExpires / 1000,
        ]
        if authorization.scopes.contains("fhirUser") {
            let type = await node.account(account)?.role == .patient ? "Patient" : "Practitioner"
            claims["fhirUser"] = "\(issuer)/fhir/\(type)/\(account.rawValue)"
        }
        if let nonce = authorization.nonce { claims["nonce"] = nonce }
        return try idTokens.sign(claims)
    }

    /// RFC 7009: ends the token (and closes its ledger session, signed by the session key itself);
    /// always 200, whether or not the token was known.
    @Sendable func revoke(_ request: Request, context: Context) async throws -> Response {
        try await signIn.admit(client: Self.client(context))
        guard let form = try await OAuthForm.read(request), !form.repeated, let token = form["token"] else {
            return try Self.failure(.badRequest, "invalid_request", "send token as application/x-www-form-urlencoded")
        }
        if let session = try await store.revoke(token) {
            do {
                let signer = EnvelopeSigner(key: session.key, origin: node.origin)
                _ = try await node.submit(try signer.sign(CloseSession(session: session.sessionAddress), expires: node.clock() + 60_000))
            } catch {
                // The token is gone either way; the ledger session still expires on its own.
                logger.warning("could not record a token's revocation", metadata: ["error": "\(type(of: error))"])
            }
        }
        var response = Response(status: .ok, headers: [.cacheControl: "no-store"])
        Self.allowAnyOrigin(&response)
        return response
    }

    static func failure(_ status: HTTPResponse.Status, _ error: String, _ description: String) throws -> Response {
        var response = try JSONResponse.make(status: status, TokenError(error: error, error_description: description))
        allowAnyOrigin(&response)
        return response
    }

    /// Browser-based apps call these endpoints from their own origin; no cookie is ever read here.
    static func allowAnyOrigin(_ response: inout Response) {
        response.headers[.accessControlAllowOrigin] = "*"
    }

    static func client(_ context: Context) -> String {
        context.remoteAddress?.ipAddress ?? "unknown"
    }
}
