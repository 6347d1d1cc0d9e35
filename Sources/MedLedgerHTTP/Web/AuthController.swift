import Crypto
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerNode

/// Sign-up, log-in, log-out, password change and key-file download (see docs/WEB.md).
///
/// The server never sees a password or a usable private key: it stores the browser-wrapped key and
/// a slow hash of a key derived from the password, and answers every failed log-in the same way.
/// Every sign-up proves it holds the key it names by signing a single-use challenge
/// (``SignupProof``), so nobody can take a username for someone else's key.
/// The slow hashes run on the sign-in workers, never on the shared pool, within per-address and
/// per-username budgets (``SignInLimits``), so anonymous clients cannot take the node's cores.
struct AuthController<Context: WebSessionRequestContext & RemoteAddressRequestContext>: Sendable {
    let node: LedgerNode
    let credentials: any CredentialStore
    let sessions: WebSessionStore
    let throttle: any LoginThrottleStore
    let challenges: any SignupChallengeStore
    let configuration: WebConfiguration
    let hasher: AuthKeyHasher
    let signIn: SignInLimits
    let logger: Logger

    /// `open` takes the routes anyone may call; `signedIn` the ones that need a session (and the
    /// CSRF token on posts), enforced by that group's middleware.
    func addRoutes(open: some RouterMethods<Context>, signedIn: some RouterMethods<Context>) {
        open.post("auth/prelogin", use: prelogin)
        open.post("auth/challenge", use: challenge)
        open.post("auth/signup", use: signup)
        open.post("auth/login", use: login)
        open.post("auth/session", use: openSession)
        signedIn.post("auth/logout", use: logout)
        signedIn.post("auth/password", use: changePassword)
        signedIn.get("auth/key-file", use: keyFile)
    }

    // MARK: Bodies

    struct PreloginRequest: Decodable { var username: String }

    struct SignupRequest: Decodable {
        var username: String
        var role: Role
        var publicKey: String
        var salt: String
        var iterations: Int
        var wrappedKey: String
        var authKey: String
        var envelope: JSONValue?
        /// A challenge from `/auth/challenge`, and the named key's signature over it
        /// (``SignupProof``); optional here only so their absence gets its own plain answer.
        var challenge: String?
        var proof: String?
    }
    struct ChallengeResponse: Encodable { var challenge: String; var expires: Int64 }
    struct SignupResponse: Encodable { var address: String; var status: String }

    struct LoginRequest: Decodable { var username: String; var authKey: String }

    struct PasswordRequest: Decodable {
        var currentAuthKey: String
        var salt: String
        var iterations: Int
        var wrappedKey: String
        var authKey: String
    }
    struct RedirectResponse: Encodable { var redirect: String }
    struct KeyFile: Encodable {
        var format = "medledger-key-v1"
        var username: String
        var address: String
        var publicKey: String
        var salt: String
        var iterations: Int
        var wrappedKey: String
    }

    // MARK: Routes

    /// The salt to derive keys with. Unknown usernames get a salt made from the server secret, the
    /// same on every call, so the answer does not reveal whether an account exists.
    @Sendable func prelogin(_ request: Request, context: Context) async throws -> Response {
        let body = try await WebInput.decode(PreloginRequest.self, from: request, context: context)
        let username = try WebInput.username(body.username)
        if let credential = try await credentials.credential(username: username) {
            return try JSONResponse.make(status: .ok, PreloginResponse(salt: credential.salt, iterations: credential.iterations))
        }
        let mac = HMAC<SHA256>.authenticationCode(for: Array(("prelogin:" + username.lowercased()).utf8), using: configuration.secret)
        return try JSONResponse.make(status: .ok, PreloginResponse(salt: Base64Coding.url(Array(Array(mac).prefix(16))), iterations: Credential.minimumIterations))
    }

    /// A single-use challenge for a sign-up to sign (``SignupChallenges``). Same-origin JSON only,
    /// like `/auth/session`, so another site's page cannot collect challenges in a visitor's name.
    @Sendable func challenge(_ request: Request, context: Context) async throws -> Response {
        try WebAuthentication.requireSameOriginJSON(request)
        let issued = try await challenges.issue(client: Self.client(context), now: node.clock())
        var response = try JSONResponse.make(status: .ok, ChallengeResponse(challenge: issued.challenge, expires: issued.expires))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Stores a new credential once the sign-up proved possession of its key; patients and doctors
    /// also register on the ledger, other roles wait for an administrator.
    @Sendable func signup(_ request: Request, context: Context) async throws -> Response {
        try await signIn.requireRoom()
        let body = try await WebInput.decode(SignupRequest.self, from: request, context: context)
        let username = try WebInput.username(body.username)
        try await signIn.admit(client: Self.client(context))
        guard body.role != .admin else {
            throw APIError(status: .unprocessableContent, code: "invalid_role", message: "Administrators are added by an administrator, not by signing up.")
        }
        guard let address = P256.Signing.PublicKey.address(ofPayloadKey: body.publicKey) else {
            throw APIError(status: .badRequest, code: "invalid_key", message: "The public key is not a P-256 key.")
        }
        try WebInput.checkDerivation(salt: body.salt, iterations: body.iterations, wrappedKey: body.wrappedKey)
        let authKey = try WebInput.authKey(body.authKey)
        try await checkProof(body, username: username)
        // Verified once here; the registration is sequenced from this result, not verified again.
        // An invitation's acceptance registers any role it names; otherwise patients and doctors
        // register themselves and other roles wait for an administrator.
        let registration: VerifiedTransaction?
        if let value = body.envelope {
            let bytes = try JSONEncoder().encode(value)
            let transaction = try EnvelopeBody.refusing { try node.verify(Array(bytes)) }
            if let accept = transaction.body as? AcceptInvitation {
                guard accept.role == body.role, transaction.signer == address else {
                    throw APIError(
                        status: .unprocessableContent, code: "registration_mismatch",
                        message: "The invitation must be accepted for the role signed up for, with the new key.")
                }
            } else {
                guard body.role == .patient || body.role == .doctor else {
                    throw APIError(status: .unprocessableContent, code: "registration_not_allowed", message: "A \(body.role.rawValue) account is created by an administrator after sign-up, or with an invitation.")
                }
                let expected = body.role == .patient ? RegisterPatient.transactionType : RegisterDoctor.transactionType
                guard transaction.type == expected, transaction.signer == address else {
                    throw APIError(status: .unprocessableContent, code: "registration_mismatch", message: "The registration must be a \(expected) signed with the new key.")
                }
            }
            registration = transaction
        } else if body.role == .patient || body.role == .doctor {
            throw APIError(status: .unprocessableContent, code: "registration_required", message: "Patients and doctors sign their registration when they sign up.")
        } else {
            registration = nil
        }
        let authSalt = AuthKeyHasher.randomSalt()
        let authHash = try await signIn.hash { [hasher] in try hasher.hash(authKey, salt: authSalt) }
        let now = node.clock()
        let credential = Credential(
            username: username, address: address, publicKey: body.publicKey, role: body.role, salt: body.salt,
            iterations: body.iterations, wrappedKey: body.wrappedKey, authHash: authHash,
            authSalt: authSalt, createdAt: now, updatedAt: now
        )
        do {
            try await credentials.insert(credential)
        } catch CredentialStoreError.taken {
            // A sign-up that waited too long for its account no longer holds its name or key.
            let signups = PendingSignups(credentials: credentials, node: node, lifetime: configuration.pendingSignupLifetime)
            let byName = try await signups.removeIfExpired(try await credentials.credential(username: username), now: now)
            let byKey = try await signups.removeIfExpired(try await credentials.credential(address: address), now: now)
            do {
                guard byName || byKey else { throw CredentialStoreError.taken }
                try await credentials.insert(credential)
            } catch CredentialStoreError.taken {
                throw APIError(status: .conflict, code: "username_unavailable", message: "That username cannot be used. Please choose another.")
            }
        }
        guard let registration else {
            logger.info("sign-up waiting for an account", metadata: ["address": "\(address)", "role": "\(body.role.rawValue)"])
            return try JSONResponse.make(status: .created, SignupResponse(address: address.rawValue, status: "awaiting_account"))
        }
        let receipt: Receipt
        do {
            receipt = try await EnvelopeBody.submitting { try await node.submit(verified: registration) }
        } catch {
            try await credentials.delete(username: username)
            throw error
        }
        guard let outcome = receipt.contract, outcome.allowed else {
            try await credentials.delete(username: username)
            let reason = receipt.contract?.event.message ?? "The registration was refused."
            throw APIError(status: .forbidden, code: "denied", message: reason)
        }
        logger.info("signed up", metadata: ["address": "\(address)", "role": "\(body.role.rawValue)", "type": "\(registration.type)"])
        // A doctor invited with a checked licence is active at once; others wait for verification.
        let status = await node.account(address)?.status ?? (body.role == .doctor ? .pending : .active)
        return try JSONResponse.make(status: .created, SignupResponse(address: address.rawValue, status: status == .pending ? "pending" : "active"))
    }

    /// Checks the authentication key. Unknown usernames cost the same slow hash and budgets and get
    /// the same answer as wrong passwords. Repeated failures for one username from one address
    /// wait longer and longer (``LoginThrottle``).
    @Sendable func login(_ request: Request, context: Context) async throws -> Response {
        try await signIn.requireRoom()
        let body = try await WebInput.decode(LoginRequest.self, from: request, context: context)
        let username = try WebInput.username(body.username)
        let authKey = try WebInput.authKey(body.authKey)
        let client = Self.client(context)
        let now = node.clock()
        if let wait = try await throttle.retryAfter(username: username, client: client, now: now) {
            var response = try APIError(
                status: .tooManyRequests, code: "too_many_attempts",
                message: "Too many failed attempts. Please wait \(max(1, wait / 60_000)) minute(s) and try again."
            ).response(from: request, context: context)
            response.headers[.retryAfter] = String(max(1, (wait + 999) / 1000))
            return response
        }
        try await signIn.admit(client: client, username: username)
        let credential = try await credentials.credential(username: username)
        // An unknown username hashes against a random salt: the same work, the same answer.
        let salt = credential?.authSalt ?? AuthKeyHasher.randomSalt()
        let expected = credential?.authHash ?? []
        let matches = try await signIn.hash { [hasher] in try hasher.verify(authKey, salt: salt, hash: expected) }
        guard matches, let credential else {
            try await throttle.recordFailure(username: username, client: client, now: node.clock())
            throw APIError(status: .unauthorized, code: "login_failed", message: "Username or password is incorrect.")
        }
        try await throttle.recordSuccess(username: username, client: client)
        // Told only to whoever knows the password: the sign-up waited too long and is gone.
        let signups = PendingSignups(credentials: credentials, node: node, lifetime: configuration.pendingSignupLifetime)
        if try await signups.removeIfExpired(credential, now: now) {
            logger.info("expired sign-up removed at log-in", metadata: ["address": "\(credential.address)"])
            throw APIError(
                status: .forbidden, code: "signup_expired",
                message: "Your sign-up expired: no administrator created your account within \(max(1, configuration.pendingSignupLifetime / 86_400_000)) days. Please sign up again."
            )
        }
        let pending = try await sessions.begin(account: credential.address, username: credential.username, now: now)
        return try JSONResponse.make(status: .ok, LoginResponse(
            address: credential.address.rawValue, publicKey: credential.publicKey, role: credential.role,
            wrappedKey: credential.wrappedKey, salt: credential.salt, iterations: credential.iterations,
            sessionKey: pending.key.publicKey.payloadKey, sessionExpires: pending.expires
        ))
    }

    /// Submits the user's signed `session.open` for the session key `/auth/login` handed out and,
    /// once the ledger accepts it, sets the session cookie.
    @Sendable func openSession(_ request: Request, context: Context) async throws -> Response {
        try WebAuthentication.requireSameOriginJSON(request)
        let envelope = try await EnvelopeBody.read(request, node: node)
        let transaction = try EnvelopeBody.refusing { try node.verify(envelope) }
        guard let open = transaction.body as? OpenSession, let sessionKey = P256.Signing.PublicKey.address(ofPayloadKey: open.sessionKey) else {
            throw APIError(status: .unprocessableContent, code: "not_a_session", message: "Expected a signed session.open transaction.")
        }
        guard let pending = try await sessions.takePending(sessionKey: sessionKey, now: node.clock()), pending.account == transaction.signer,
            pending.expires == open.expires
        else {
            throw APIError(status: .unprocessableContent, code: "session_unknown", message: "This sign-in has expired. Please sign in again.")
        }
        guard let account = await node.account(pending.account) else {
            throw APIError(
                status: .forbidden, code: "awaiting_account",
                message: "Your sign-up is waiting for an administrator to create your account. Give them your account id: \(pending.account)."
            )
        }
        // Submitted even for a pending account, so the refused sign-in is on the ledger's trail.
        let receipt = try await EnvelopeBody.submitting { try await node.submit(verified: transaction) }
        guard let outcome = receipt.contract, outcome.allowed else {
            if account.status == .pending {
                throw APIError(
                    status: .forbidden, code: "pending_verification",
                    message: "Your account is waiting for an administrator's verification. You can sign in once they have checked your licence; your account id is \(account.address)."
                )
            }
            let message = receipt.contract?.event.message ?? "The sign-in was refused."
            throw APIError(status: .forbidden, code: "denied", message: message)
        }
        let (token, _) = try await sessions.activate(pending, now: node.clock())
        var response = try JSONResponse.make(status: .ok, RedirectResponse(redirect: WebPaths.home(for: account.role)))
        response.headers[.setCookie] = WebCookie.set(token, secure: configuration.secureCookies, maxAge: WebSessionStore.lifetime / 1000)
        logger.info("signed in", metadata: ["address": "\(pending.account)"])
        return response
    }

    /// Closes the session on the ledger (signed by the session key) and clears the cookie.
    @Sendable func logout(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        if let token = context.sessionToken { _ = try await sessions.end(token: token) }
        do {
            let signer = EnvelopeSigner(key: session.key, origin: node.origin)
            _ = try await node.submit(try signer.sign(CloseSession(session: session.sessionAddress), expires: node.clock() + 60_000))
        } catch {
            // The web session is gone either way; the ledger session still expires on its own.
            logger.warning("could not record sign-out", metadata: ["error": "\(error)"])
        }
        var response = try JSONResponse.make(status: .ok, RedirectResponse(redirect: "/"))
        response.headers[.setCookie] = WebCookie.clear(secure: configuration.secureCookies)
        return response
    }

    /// Replaces the wrapped key and authentication hash after checking the current password.
    @Sendable func changePassword(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        let body = try await WebInput.decode(PasswordRequest.self, from: request, context: context)
        try WebInput.checkDerivation(salt: body.salt, iterations: body.iterations, wrappedKey: body.wrappedKey)
        let current = try WebInput.authKey(body.currentAuthKey)
        let newKey = try WebInput.authKey(body.authKey)
        guard var credential = try await credentials.credential(address: session.account) else {
            throw APIError(status: .notFound, code: "no_credential", message: "This account has no password sign-in.")
        }
        let client = Self.client(context)
        let now = node.clock()
        if try await throttle.retryAfter(username: credential.username, client: client, now: now) != nil {
            throw APIError(status: .tooManyRequests, code: "too_many_attempts", message: "Too many failed attempts. Please try again later.")
        }
        try await signIn.admit(client: client)
        let (currentSalt, currentHash) = (credential.authSalt, credential.authHash)
        guard try await signIn.hash({ [hasher] in try hasher.verify(current, salt: currentSalt, hash: currentHash) }) else {
            try await throttle.recordFailure(username: credential.username, client: client, now: now)
            throw APIError(status: .forbidden, code: "wrong_password", message: "The current password is incorrect.")
        }
        let authSalt = AuthKeyHasher.randomSalt()
        credential.salt = body.salt
        credential.iterations = body.iterations
        credential.wrappedKey = body.wrappedKey
        credential.authSalt = authSalt
        credential.authHash = try await signIn.hash { [hasher] in try hasher.hash(newKey, salt: authSalt) }
        credential.updatedAt = now
        try await credentials.update(credential)
        logger.info("password changed", metadata: ["address": "\(session.account)"])
        return try JSONResponse.make(status: .ok, RedirectResponse(redirect: "/account"))
    }

    /// Checks the sign-up's proof of possession: its challenge was issued here, is unused and
    /// fresh (it is used up either way), and the named key signed it together with this ledger's
    /// origin, the username and the role.
    func checkProof(_ body: SignupRequest, username: String) async throws {
        guard let challenge = body.challenge, let proof = body.proof else {
            throw APIError(
                status: .unprocessableContent, code: "proof_required",
                message: "A sign-up must carry a challenge from /auth/challenge signed with the new key."
            )
        }
        guard try await challenges.redeem(challenge, now: node.clock()) else {
            throw APIError(
                status: .unprocessableContent, code: "challenge_invalid",
                message: "The sign-up challenge is unknown, already used or expired. Please try again."
            )
        }
        do {
            _ = try SignupProof.verify(
                proof: proof, publicKey: body.publicKey, origin: node.origin, challenge: challenge, username: username, role: body.role
            )
        } catch .nonCanonical {
            throw APIError(status: .badRequest, code: "non_canonical_signature", message: SignupProofError.nonCanonical.description)
        } catch {
            throw APIError(status: .unprocessableContent, code: "proof_invalid", message: error.description)
        }
    }

    /// The client's IP address, the key of its sign-in budget ("unknown" when the transport has none).
    static func client(_ context: Context) -> String {
        context.remoteAddress?.ipAddress ?? "unknown"
    }

    /// The encrypted key file, for backup and for signing in on a new device.
    @Sendable func keyFile(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        guard let credential = try await credentials.credential(address: session.account) else {
            throw APIError(status: .notFound, code: "no_credential", message: "This account has no stored key.")
        }
        var response = try JSONResponse.make(status: .ok, KeyFile(
            username: credential.username, address: credential.address.rawValue, publicKey: credential.publicKey,
            salt: credential.salt, iterations: credential.iterations, wrappedKey: credential.wrappedKey
        ))
        response.headers[.contentDisposition] = "attachment; filename=\"medledger-key-\(credential.username).json\""
        return response
    }
}
