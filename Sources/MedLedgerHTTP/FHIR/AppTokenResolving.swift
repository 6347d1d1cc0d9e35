import MedLedgerCore
import MedLedgerFHIR

/// Finds the app session an OAuth access token stands for. The FHIR routes ask it for every
/// `Authorization: Bearer` token; the SMART authorisation server issues the tokens and keeps them
/// (as digests only, like web session cookies), so neither part knows how the other stores them.
///
/// The session it returns holds the app's session key (delegated by a `session.open` the user
/// signed with `app` and `scopes`); every read signed with it is held to those scopes by the
/// contracts (``AppScopeRule``), so a token never reads more than the user granted.
protocol AppTokenResolving: Sendable {
    /// The live app session for `token` at `now` (Unix ms); nil when the token is unknown, expired
    /// or revoked, its ledger session closed or expired, or its app retired.
    func caller(forAccessToken token: String, now: Int64) async throws -> AppCaller?
}

/// An app's live authorisation behind an access token: the token's web session (which holds the
/// app's session key) and the ledger's session and app as they stood when the token was checked.
struct AppCaller: Sendable {
    let web: WebSession
    let session: Session
    let app: ClientApp

    /// Whether the scopes the user granted let the app use `interaction` on `type`.
    func permits(_ type: FHIRResourceType, _ interaction: SMARTScope.Interaction) -> Bool {
        session.resourceScopes.contains { $0.permits(type.rawValue, interaction) }
    }
}
