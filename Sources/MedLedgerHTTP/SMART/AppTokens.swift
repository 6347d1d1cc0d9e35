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

    func session(forAccessToken token: String, now: Int64) async throws -> WebSession? {
        guard let session = try await store.token(token, now: now) else { return nil }
        guard await isReadable(session.sessionAddress, now: now) else { return nil }
        return session
    }

    /// True while the ledger session of `key` is an open, unexpired app session of a registered app.
    func isReadable(_ key: AccountAddress, now: Int64) async -> Bool {
        guard let ledger = await node.ledgerSession(key), ledger.closedAt == nil, ledger.expires > now, let app = ledger.app,
            let registered = await node.clientApp(app), registered.isActive
        else { return false }
        return true
    }
}
