import MedLedgerCore

/// Proof of acceptance: the entry's index, the checkpoint of the durable block holding it, and what
/// the contracts decided (nil for ledger-level kinds such as pings).
public struct Receipt: Sendable {
    public let index: UInt64
    public let leafHash: TreeHash
    public let checkpoint: SignedCheckpoint
    public let contract: ContractOutcome?
}
