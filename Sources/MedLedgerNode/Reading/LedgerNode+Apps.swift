import MedLedgerCore

extension LedgerNode {
    /// A registered SMART app by client id (public register data). The authorisation server asks
    /// it before showing an authorise page, so an unknown client or redirect address is refused
    /// before anything is signed; the contracts decide again when `session.open` is sequenced.
    public func registeredApp(_ id: String) async -> ClientApp? {
        await sequencer.read { state in state.apps[id] }
    }

    /// The ledger session of a session key, as the contracts hold it: whether an app's token is
    /// still open, unexpired and its app still registered is decided from this, not from the web
    /// state that maps tokens to keys.
    public func ledgerSession(_ key: AccountAddress) async -> Session? {
        await sequencer.read { state in state.sessions[key] }
    }
}
