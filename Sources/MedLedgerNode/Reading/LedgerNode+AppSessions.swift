import MedLedgerCore

extension LedgerNode {
    /// A registered SMART app (public ledger state), e.g. to name it beside an app's reads.
    public func clientApp(_ id: String) async -> ClientApp? {
        await sequencer.read { state in state.apps[id] }
    }
}
