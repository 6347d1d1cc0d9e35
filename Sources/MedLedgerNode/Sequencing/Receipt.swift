import MedLedgerCore

/// Proof of acceptance: the entry's index and the checkpoint of the durable block holding it.
public struct Receipt: Sendable {
    public let index: UInt64
    public let leafHash: TreeHash
    public let checkpoint: SignedCheckpoint
}
