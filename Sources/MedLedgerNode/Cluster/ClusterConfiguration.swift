/// How a node takes part in a ledger several nodes share (``SharedLedgerStore``).
public struct ClusterConfiguration: Sendable {
    /// This node's name, unique among the nodes (the lease's holder).
    public var node: String
    /// Where the other nodes reach this one to hand it submissions while it sequences.
    public var endpoint: String
    /// Hands submissions to the sequencing node while this one follows.
    public var forwarder: any SubmissionForwarder
    /// How long a lease lasts unrenewed (ms): a dead sequencer is replaced after at most this long.
    public var leaseMillis: Int64
    /// How often the lease is claimed or renewed, and a following node catches up (ms).
    public var tickMillis: Int64

    public init(node: String, endpoint: String, forwarder: any SubmissionForwarder, leaseMillis: Int64 = 3_000, tickMillis: Int64? = nil) {
        self.node = node
        self.endpoint = endpoint
        self.forwarder = forwarder
        self.leaseMillis = leaseMillis
        self.tickMillis = tickMillis ?? max(50, min(250, leaseMillis / 6))
    }
}

/// Where a node stands in its cluster, for `GET /v1/cluster` and operators.
public struct ClusterStatus: Codable, Sendable, Equatable {
    public enum Role: String, Codable, Sendable {
        case sequencer, follower, standalone
    }

    public var node: String
    public var role: Role
    /// The node holding the lease, if any holds a live one.
    public var sequencer: String?
    public var epoch: UInt64
    public var size: UInt64

    enum CodingKeys: String, CodingKey {
        case node, role, sequencer, epoch, size
    }

    /// Writes `sequencer` as null when no node holds a live lease, rather than leaving it out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(node, forKey: .node)
        try container.encode(role, forKey: .role)
        try container.encode(sequencer, forKey: .sequencer)
        try container.encode(epoch, forKey: .epoch)
        try container.encode(size, forKey: .size)
    }
}
