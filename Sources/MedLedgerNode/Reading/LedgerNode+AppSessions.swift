import MedLedgerCore

extension LedgerNode {
    /// The ledger session a session key opened (public ledger state: who delegated, until when,
    /// for which app and scopes, whether it was closed), open or not.
    public func ledgerSession(_ key: AccountAddress) async -> Session? {
        await sequencer.session(key)
    }

    /// The session `key` opened and its app, while the session is open at `now` and the app still
    /// registered: what makes an app's access token good. Read in one step, so the two agree.
    public func openAppSession(_ key: AccountAddress, now: Int64) async -> (session: Session, app: ClientApp)? {
        await sequencer.read { state in
            guard let session = state.sessions[key], session.isOpen(at: now), let id = session.app, let app = state.apps[id], app.isActive else {
                return nil
            }
            return (session, app)
        }
    }

    /// A registered SMART app (public ledger state), e.g. to name it beside an app's reads.
    public func clientApp(_ id: String) async -> ClientApp? {
        await sequencer.read { state in state.apps[id] }
    }

    /// The roles of the named accounts (public register facts), looked up in one step; accounts
    /// that do not exist are left out. Costs what the list costs, never the size of the register.
    public func roles(of addresses: some Sequence<AccountAddress> & Sendable) async -> [AccountAddress: Role] {
        await sequencer.read { state in
            var roles: [AccountAddress: Role] = [:]
            for address in addresses where roles[address] == nil {
                if let role = state.accounts[address]?.role { roles[address] = role }
            }
            return roles
        }
    }
}
