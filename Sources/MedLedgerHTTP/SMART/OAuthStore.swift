import Crypto
import Foundation
import MedLedgerCore

/// Keeps pending authorisations, authorisation codes and access tokens in the web state storage
/// (``WebSessionStorage``), so every node behind a load balancer finds them: a user may see the
/// authorise page from one node, allow on another, and the app may redeem the code on a third.
///
/// Each is stored as a web session row, under the SHA-256 of its secret with a prefix of its own
/// (`oauth-request:`, `oauth-code:`, `oauth-token:`), so no secret is stored, no cookie digest
/// (plain hex) can name one of them, and a cookie can never be used as a token or the other way
/// round. The row's sealed key is the app's session key (sealed exactly like a web session's);
/// a request's and a code's `username` field carries the ``OAuthAuthorization`` as JSON and its
/// `expires` the step's own deadline. Taking a request or a code is the storage's `remove`, one
/// `DELETE … RETURNING` in PostgreSQL, so each is used once however many nodes race for it.
///
/// Access tokens follow the web sessions' rules (``WebSessionPolicy``): they end at the ledger
/// session's expiry and, like a browser session, after 30 minutes without use.
struct OAuthStore: Sendable {
    let storage: any WebSessionStorage

    /// How long a pending authorisation waits for the user's answer.
    static let requestLifetime: Int64 = 10 * 60_000
    /// How long an authorisation code may be redeemed.
    static let codeLifetime: Int64 = 60_000
    /// How long an access token (and its ledger session) lasts.
    static let tokenLifetime: Int64 = 3_600_000

    enum Kind: String {
        case request = "oauth-request:"
        case code = "oauth-code:"
        case token = "oauth-token:"
    }

    static func digest(_ kind: Kind, _ secret: String) -> String {
        kind.rawValue + WebSessionStore.digest(secret)
    }

    /// Keeps a pending authorisation or a code: returns the secret that names it.
    func put(_ kind: Kind, _ authorization: OAuthAuthorization, account: AccountAddress, key: P256.Signing.PrivateKey, now: Int64) async throws -> String {
        let lifetime = kind == .code ? Self.codeLifetime : Self.requestLifetime
        let secret = WebSessionStore.randomToken()
        try await put(kind, secret: secret, authorization, account: account, key: key, deadline: now + lifetime, now: now)
        return secret
    }

    /// Keeps `authorization` under a known secret until `deadline`.
    func put(
        _ kind: Kind, secret: String, _ authorization: OAuthAuthorization, account: AccountAddress, key: P256.Signing.PrivateKey, deadline: Int64,
        now: Int64
    ) async throws {
        let encoded = String(decoding: try JSONEncoder().encode(authorization), as: UTF8.self)
        let row = WebSession(account: account, username: encoded, key: key, csrf: "", expires: deadline, lastSeen: now)
        try await storage.add(row, tokenDigest: Self.digest(kind, secret), now: now)
    }

    /// Takes (removes) a pending authorisation or a code; nil when unknown, used or past its deadline.
    func take(_ kind: Kind, secret: String, now: Int64) async throws -> (authorization: OAuthAuthorization, account: AccountAddress, key: P256.Signing.PrivateKey, deadline: Int64)? {
        guard kind != .token, !secret.isEmpty, secret.utf8.count <= 200 else { return nil }
        guard let row = try await storage.remove(tokenDigest: Self.digest(kind, secret)), row.expires > now,
            let authorization = try? JSONDecoder().decode(OAuthAuthorization.self, from: Data(row.username.utf8))
        else { return nil }
        return (authorization, row.account, row.key, row.expires)
    }

    /// Starts an access token for the app's session key; returns the token.
    func issueToken(account: AccountAddress, username: String, key: P256.Signing.PrivateKey, expires: Int64, now: Int64) async throws -> String {
        let token = WebSessionStore.randomToken()
        let session = WebSession(account: account, username: username, key: key, csrf: "", expires: expires, lastSeen: now)
        try await storage.add(session, tokenDigest: Self.digest(.token, token), now: now)
        return token
    }

    /// The live token's session, touched at `now`.
    func token(_ token: String, now: Int64) async throws -> WebSession? {
        guard !token.isEmpty, token.utf8.count <= 200 else { return nil }
        return try await storage.session(tokenDigest: Self.digest(.token, token), now: now)
    }

    /// Ends a token; returns its session when there was one.
    func revoke(_ token: String) async throws -> WebSession? {
        guard !token.isEmpty, token.utf8.count <= 200 else { return nil }
        return try await storage.remove(tokenDigest: Self.digest(.token, token))
    }
}
