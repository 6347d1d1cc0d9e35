/// The answer to a sequenced submission (`POST /v1/transactions` and the receipt inside every
/// query answer), as the node sends it and its clients read it.
public struct SubmitResponse: Codable, Sendable, Equatable {
    /// The entry's index in the log.
    public let index: UInt64
    /// Standard base64 of the entry's RFC 6962 leaf hash.
    public let leafHash: String
    /// Size of the checkpoint that includes the entry.
    public let treeSize: UInt64
    /// The block's time (Unix milliseconds), the entry's authoritative time.
    public let time: Int64
    /// The signed checkpoint note that includes the entry.
    public let checkpoint: String
    /// What the contracts decided and recorded; absent for ledger-level kinds (pings).
    public let event: AuditEvent?

    public init(index: UInt64, leafHash: String, treeSize: UInt64, time: Int64, checkpoint: String, event: AuditEvent?) {
        self.index = index
        self.leafHash = leafHash
        self.treeSize = treeSize
        self.time = time
        self.checkpoint = checkpoint
        self.event = event
    }
}
