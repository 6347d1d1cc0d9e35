import Crypto
import Foundation
import MedLedgerCore

/// What the web application needs besides the node: where its templates and static files are,
/// the secret behind made-up log-in salts, whether cookies are `Secure`, and the demo accounts.
public struct WebConfiguration: Sendable {
    /// A demonstration account shown on the log-in page in demo mode only.
    public struct DemoAccount: Sendable, Codable {
        public var username: String
        public var password: String
        public var role: Role
        public init(username: String, password: String, role: Role) {
            self.username = username
            self.password = password
            self.role = role
        }
    }

    /// The folder holding `pages.json`, `templates/` and `static/`.
    public var root: URL
    /// Keys the stable made-up salts unknown usernames get, so `/auth/prelogin` does not reveal
    /// which usernames exist. Keep it across restarts.
    public var secret: SymmetricKey
    /// Set `Secure` on cookies (serving over TLS).
    public var secureCookies: Bool
    /// Shown on the log-in page when not empty.
    public var demoAccounts: [DemoAccount]
    /// scrypt's cost (N) for authentication-key hashes; lower only in tests.
    public var authHashRounds = 1 << 15
    /// How long a sign-up may wait for an administrator to create its account (milliseconds,
    /// `serve --pending-signup-days`). After that it no longer signs in and its username is free
    /// again; see ``PendingSignups``.
    public var pendingSignupLifetime: Int64 = Credential.defaultAwaitingLifetime
    /// The address users and apps reach this server at (`https://ledger.example`, no trailing
    /// slash; `serve --public-url`). SMART's discovery document, the FHIR base (`<url>/fhir`) and
    /// id_token issuers are built from it; without it they follow each request's `Host` header.
    public var publicURL: String?

    public init(root: URL = WebConfiguration.bundledRoot, secret: SymmetricKey, secureCookies: Bool = false, demoAccounts: [DemoAccount] = []) {
        self.root = root
        self.secret = secret
        self.secureCookies = secureCookies
        self.demoAccounts = demoAccounts
    }

    /// The templates and static files built into the binary.
    public static var bundledRoot: URL {
        Bundle.module.url(forResource: "Resources", withExtension: nil)!
    }
}
