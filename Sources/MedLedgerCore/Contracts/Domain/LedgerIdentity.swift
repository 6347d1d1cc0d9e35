/// What the genesis entry fixed about the ledger that the contracts decide on: the node's service
/// key and the log's origin. Created once, by the genesis entry, and never changed.
///
/// The contracts accept a node-recorded tally check (`audit.tally`) only when this key signed it,
/// and admission accepts an operator ping (`ledger.ping`) only from it.
public struct LedgerIdentity: Codable, Sendable, Equatable {
    /// The address of the node's service key.
    public var service: AccountAddress
    /// The service key as bodies spell keys (base64url, uncompressed).
    public var serviceKey: String
    /// The log's checkpoint origin, which proofs bound to this ledger name (``InvitationProof``).
    /// Nil only in state recorded before the origin was kept here.
    public var origin: String?
    /// The genesis entry (always 0).
    public var createdAt: UInt64

    public init(service: AccountAddress, serviceKey: String, origin: String? = nil, createdAt: UInt64 = 0) {
        self.service = service
        self.serviceKey = serviceKey
        self.origin = origin
        self.createdAt = createdAt
    }
}
