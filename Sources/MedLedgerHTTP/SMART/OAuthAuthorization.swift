import Foundation
import MedLedgerCore

/// One authorisation on its way from the authorise page to a token: which app, which scopes, whose
/// launch patient, where the code goes and the PKCE challenge it must be redeemed with. Kept
/// (with the app's fresh session key) first as a pending request and then as an authorisation code
/// by ``OAuthStore``; never handed to the app itself.
struct OAuthAuthorization: Codable, Sendable, Equatable {
    /// The OAuth `client_id` (a registered ``ClientApp``).
    var app: String
    /// The granted scopes, normalised (``SMARTScopeGrant``).
    var scopes: [String]
    var patient: AccountAddress?
    var redirectURI: String
    var state: String
    /// base64url(SHA-256(code_verifier)), as the app sent it.
    var codeChallenge: String
    /// OpenID Connect `nonce`, repeated in the id_token.
    var nonce: String?
    /// The signed-in user's username, for the token's web session.
    var username: String
    /// When the token ends: the `expires` of the ledger session (Unix ms).
    var tokenExpires: Int64

    /// The `session.open` body the user is asked to sign for `sessionKey`: exactly this and no other
    /// is accepted back.
    func sessionOpening(sessionKey: String) -> OpenSession {
        OpenSession(sessionKey: sessionKey, expires: tokenExpires, app: app, scopes: scopes, patient: patient)
    }

    /// `redirectURI` with `parameters` appended to its query, percent-encoded.
    func redirect(_ parameters: [(String, String)]) -> String {
        Self.redirect(redirectURI, parameters)
    }

    static func redirect(_ base: String, _ parameters: [(String, String)]) -> String {
        let query = parameters.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        return base + (base.contains("?") ? "&" : "?") + query
    }

    static func encode(_ value: String) -> String {
        // RFC 3986 unreserved characters, ASCII only.
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }
}
