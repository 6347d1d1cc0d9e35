import MedLedgerCore
import MedLedgerNode

/// The access tokens the SMART authorisation server issued, as the FHIR routes see them
/// (``AppTokenResolving``): a token names a web-state row (by digest only, ``OAuthStore``) that
/// holds the app's session key, and is good only while the ledger agrees — the session the user
/// signed is open and unexpired, and its app is still registered. Revoking on the Access page
/// (`session.close`) or retiring the app therefore ends the token on every node at once, without
/// touching the web state.
struct AppTokens: AppTokenResolving {
    let store: OAuthStore
    let node: LedgerNode

    init(store: OAuthStore, node: LedgerNode) {
        self.store = store
        self.node = node
    }

    func caller(forAccessToken token: String, now: Int64) async throws -> AppCaller? {
        guard let web = try await store.token(token, now: now), let open = await node.openAppSession(web.sessionAddress, now: now),
            open.session.account == web.account
        else { return nil }
        return AppCaller(web: web, session: open.session, app: open.app)
    }
}
