import Crypto
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerNode

/// The SMART authorise endpoint: `GET /oauth/authorize` checks the app's request and shows the
/// signed-in user what the app asks to read; `POST /oauth/authorize` takes the `session.open` the
/// user's browser signed for it and answers with the redirect carrying a one-time code;
/// `POST /oauth/authorize/deny` answers with the `access_denied` redirect.
///
/// The server makes the app's session key; the user's own key signs the delegation to it, so the
/// ledger — not this server — records and enforces what the app may read (``AppScopeRule``). An
/// unknown client or a redirect address the app did not register gets an error page and never a
/// redirect, so the endpoint cannot be used to send users elsewhere.
struct AuthorizeController<Context: WebSessionRequestContext & RemoteAddressRequestContext>: Sendable {
    let node: LedgerNode
    let store: OAuthStore
    let renderer: PageRenderer
    let configuration: WebConfiguration
    let limits: RequestLimits
    let logger: Logger

    /// `open` serves the page (which sends signed-out users to the log-in page itself);
    /// `signedIn` takes the answers, under its CSRF rules.
    func addRoutes(open: some RouterMethods<Context>, signedIn: some RouterMethods<Context>) {
        open.get("oauth/authorize", use: show)
        signedIn.post("oauth/authorize", use: allow)
        signedIn.post("oauth/authorize/deny", use: deny)
    }

    struct AllowRequest: Decodable {
        var request: String
        var envelope: JSONValue
    }
    struct DenyRequest: Decodable { var request: String }
    struct RedirectResponse: Encodable { var redirect: String }
    /// The authorise page's JSON block: what the page's script signs and sends back.
    struct AuthorizationBlock: Encodable {
        var request: String
        var body: OpenSession
    }

    // MARK: GET

    @Sendable func show(_ request: Request, context: Context) async throws -> Response {
        // Read as a form (`+` is a space, as OAuth clients encode the scope list).
        let query = OAuthForm.parse(request.uri.query ?? "")
        func parameter(_ name: String) -> String? { query[name] }
        guard let clientID = parameter("client_id"), !clientID.isEmpty, clientID.utf8.count <= 100,
            let app = await node.clientApp(clientID), app.isActive
        else {
            return errorPage("The app that sent you here is not registered with MedLedger, or was retired. Nothing was shared.")
        }
        guard let redirect = parameter("redirect_uri"), app.redirectURIs.contains(redirect) else {
            return errorPage("The app that sent you here gave a return address it has not registered. Nothing was shared.")
        }
        let state = parameter("state") ?? ""
        func refuse(_ error: String, _ description: String) -> Response {
            var parameters = [("error", error), ("error_description", description)]
            if !state.isEmpty, state.utf8.count <= 500 { parameters.append(("state", state)) }
            return Response(status: .seeOther, headers: [.location: OAuthAuthorization.redirect(redirect, parameters)])
        }
        guard let session = context.session else { return WebAuthentication.loginRedirect(request) }
        guard !query.repeated else { return refuse("invalid_request", "each parameter may be sent once") }
        guard parameter("response_type") == "code" else { return refuse("unsupported_response_type", "only response_type=code is supported") }
        guard !state.isEmpty, state.utf8.count <= 500 else { return refuse("invalid_request", "state is required (at most 500 characters)") }
        guard parameter("code_challenge_method") == "S256" else { return refuse("invalid_request", "PKCE with code_challenge_method=S256 is required") }
        guard let challenge = parameter("code_challenge"), PKCE.isWellFormed(challenge) else {
            return refuse("invalid_request", "code_challenge must be 43 to 128 base64url characters")
        }
        let base = SMARTConfiguration.base(request, configuration: configuration)
        guard let audience = parameter("aud"), Self.trimmed(audience) == base + "/fhir" else {
            return refuse("invalid_request", "aud must be this server's FHIR base, \(base)/fhir")
        }
        let nonce = parameter("nonce")
        guard (nonce?.utf8.count ?? 0) <= 500 else { return refuse("invalid_request", "nonce is too long") }
        guard let account = await node.account(session.account), account.status == .active else {
            return refuse("access_denied", "the signed-in account cannot authorise apps")
        }
        let grant: SMARTScopeGrant
        do {
            grant = try SMARTScopeGrant.decide(requested: parameter("scope") ?? "", isPatient: account.role == .patient)
        } catch {
            return refuse("invalid_scope", error.description)
        }
        try await limits.admit(.queries, key: session.account)
        let now = node.clock()
        let key = P256.Signing.PrivateKey()
        let authorization = OAuthAuthorization(
            app: app.id, scopes: grant.granted, patient: grant.needsLaunchPatient ? account.address : nil, redirectURI: redirect, state: state,
            codeChallenge: challenge, nonce: nonce, username: session.username, tokenExpires: now + OAuthStore.tokenLifetime)
        let requestID = try await store.put(.request, authorization, account: session.account, key: key, now: now)
        let opening = authorization.sessionOpening(sessionKey: key.publicKey.payloadKey)
        return renderer.render("oauth/authorize", context: try pageContext(
            session: session, account: account, app: app, grant: grant, authorization: authorization, requestID: requestID, opening: opening))
    }

    private func pageContext(
        session: WebSession, account: Account, app: ClientApp, grant: SMARTScopeGrant, authorization: OAuthAuthorization, requestID: String,
        opening: OpenSession
    ) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Raw text inside <script>: no character that could end the element or start markup.
        let json = String(decoding: try encoder.encode(AuthorizationBlock(request: requestID, body: opening)), as: UTF8.self)
            .replacingOccurrences(of: "<", with: "\\u003c").replacingOccurrences(of: ">", with: "\\u003e")
            .replacingOccurrences(of: "&", with: "\\u0026")
        var me: [String: Any] = ["address": session.account.rawValue, "username": session.username, "role": account.role.rawValue]
        if let name = account.displayName { me["displayName"] = name }
        var context: [String: Any] = [
            "title": "Allow \(app.name)?", "me": me, "csrf": session.csrf, "signedIn": true,
            "app": ["id": app.id, "name": app.name],
            "scopes": SMARTScopeText.rows(grant.granted, ownData: authorization.patient != nil),
            "leftOut": grant.leftOut, "anyLeftOut": !grant.leftOut.isEmpty,
            "redirectHost": URL(string: authorization.redirectURI)?.host ?? authorization.redirectURI,
            "untilText": TemplateValue.format(time: authorization.tokenExpires),
            "authorizationJSON": json,
        ]
        if let patient = authorization.patient { context["patient"] = patient.rawValue }
        context[Self.roleFlag(account.role)] = true
        return context
    }

    static func roleFlag(_ role: Role) -> String {
        switch role {
        case .patient: "isPatient"
        case .doctor: "isDoctor"
        case .auditor: "isAuditor"
        case .admin: "isAdmin"
        case .hospitalManagement: "isHospital"
        case .pharmacy: "isPharmacy"
        }
    }

    private func errorPage(_ message: String) -> Response {
        renderer.render("error", context: ["title": "This app cannot be authorised", "message": message], status: .badRequest)
    }

    static func trimmed(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    // MARK: POST

    /// Takes the user's signed `session.open`: it must be signed by the signed-in account's own key
    /// and its body must be exactly the one the page showed (key, expiry, app, scopes, patient).
    /// Anything else is refused before it reaches the ledger, and the request stays open.
    @Sendable func allow(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        try await limits.admit(.transactions, key: session.account)
        let body = try await WebInput.decode(AllowRequest.self, from: request, context: context)
        let now = node.clock()
        let pending = try await take(body.request, for: session, now: now)
        let expected = pending.authorization.sessionOpening(sessionKey: pending.key.publicKey.payloadKey)
        let transaction: VerifiedTransaction
        do {
            transaction = try EnvelopeBody.refusing { try node.verify(Array(try JSONEncoder().encode(body.envelope))) }
        } catch {
            try await restore(body.request, pending, now: now)
            throw error
        }
        guard transaction.signer == session.account, let opening = transaction.body as? OpenSession, opening == expected else {
            try await restore(body.request, pending, now: now)
            throw APIError(
                status: .unprocessableContent, code: "authorization_mismatch",
                message: "The signed permission is not the one this page asked for. Nothing was granted.")
        }
        let receipt = try await EnvelopeBody.submitting { try await node.submit(verified: transaction) }
        guard let outcome = receipt.contract, outcome.allowed else {
            throw APIError(status: .forbidden, code: "denied", message: receipt.contract?.event.message ?? "The ledger refused the permission.")
        }
        let code = try await store.put(.code, pending.authorization, account: pending.account, key: pending.key, now: node.clock())
        logger.info("app authorised", metadata: ["app": "\(pending.authorization.app)", "address": "\(session.account)"])
        return try JSONResponse.make(
            status: .ok, RedirectResponse(redirect: pending.authorization.redirect([("code", code), ("state", pending.authorization.state)])))
    }

    /// The user said no: the app is told `access_denied`.
    @Sendable func deny(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        let body = try await WebInput.decode(DenyRequest.self, from: request, context: context)
        let pending = try await take(body.request, for: session, now: node.clock())
        return try JSONResponse.make(
            status: .ok,
            RedirectResponse(redirect: pending.authorization.redirect([
                ("error", "access_denied"), ("error_description", "the user did not allow the app"), ("state", pending.authorization.state),
            ])))
    }

    typealias Pending = (authorization: OAuthAuthorization, account: AccountAddress, key: P256.Signing.PrivateKey, deadline: Int64)

    /// Takes the signed-in account's pending request; another account's is put back untouched.
    private func take(_ id: String, for session: WebSession, now: Int64) async throws -> Pending {
        let unknown = APIError(
            status: .unprocessableContent, code: "authorization_unknown",
            message: "This request to authorise an app has expired or was already answered. Start again from the app.")
        guard let pending = try await store.take(.request, secret: id, now: now) else { throw unknown }
        guard pending.account == session.account else {
            try await restore(id, pending, now: now)
            throw unknown
        }
        return pending
    }

    private func restore(_ id: String, _ pending: Pending, now: Int64) async throws {
        try await store.put(.request, secret: id, pending.authorization, account: pending.account, key: pending.key, deadline: pending.deadline, now: now)
    }
}
