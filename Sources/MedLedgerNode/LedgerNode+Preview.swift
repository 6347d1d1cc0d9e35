import MedLedgerCore
import Crypto

extension LedgerNode {
    /// What the contracts would answer to `transaction` on the current state, without sequencing
    /// it or changing anything (nil for kinds that are not actions).
    ///
    /// Pages ask before issuing a read, so a page never puts on the ledger a read it already knows
    /// will be refused (a doctor's patient page after the grant ended, say) — which would show in
    /// the patient's accounting of disclosures as a refused attempt nobody made. A read the preview
    /// allows is still decided again when it is sequenced.
    public func preview(_ transaction: VerifiedTransaction) async -> ContractOutcome? {
        let now = clock()
        let index = size
        return await sequencer.read { state in
            var copy = state
            return ContractEngine.apply(transaction, index: index, time: now, to: &copy)
        }
    }
}

extension LedgerNode {
    /// Whether the contracts would allow `account` to sign `action` with its own key now, on the
    /// current state, without sequencing anything. Pages offer a write (a record's "Change" and
    /// "Delete") only when this is true, so they never offer what the rule would refuse.
    public func wouldAllow<Action: ContractAction>(_ action: Action, as account: AccountAddress, signerKey: P256.Signing.PublicKey) async -> Bool {
        let now = clock()
        let index = size
        return await sequencer.read { state in
            ContractEngine.decide(action, as: account, signerKey: signerKey, index: index, time: now, on: state).allowed
        }
    }
}
