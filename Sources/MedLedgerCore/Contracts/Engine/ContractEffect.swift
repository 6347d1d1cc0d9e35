/// Something outside the ledger that an allowed action obliges the node to do once the action's
/// entry is durable.
///
/// Contracts stay pure: they decide, and name what must follow; the node carries effects out
/// after the block holding the entry has committed, never before, so an effect can never run for
/// an entry that was lost. An effect is idempotent and derivable again from the contract state,
/// so a node that stops between the commit and the effect completes it at its next start.
public enum ContractEffect: Codable, Sendable, Equatable {
    /// Destroy the patient's content key and their stored objects (`erasure.confirm`).
    case destroyContent(of: AccountAddress)
}
