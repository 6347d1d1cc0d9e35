import MedLedgerCore

/// The node's side of a shared ledger: what it tells operators, and the submissions other nodes
/// hand it while it sequences.
extension LedgerNode {
    /// Where this node stands: sequencing, following (and whom), or alone on its store.
    public func clusterStatus() async -> ClusterStatus {
        guard let membership else {
            return ClusterStatus(node: "standalone", role: .standalone, sequencer: nil, epoch: 0, size: size)
        }
        let lease = membership.lease
        let role: ClusterStatus.Role = await sequencer.currentRole == .sequencing ? .sequencer : .follower
        return ClusterStatus(
            node: membership.configuration.node, role: role, sequencer: lease.flatMap { $0.live ? $0.holder : nil },
            epoch: lease?.epoch ?? 0, size: size)
    }

    /// True when `tag` (the `MedLedger-Hand-On` header) shows `body` comes from a node of this
    /// ledger (``HandOnKey``).
    public func isHandedOn(_ body: [UInt8], tag: String) -> Bool {
        HandOnKey.isValid(tag, for: body, key: handOnKey)
    }

    /// True when this node takes part in a shared ledger.
    public var isClustered: Bool { membership != nil }

    /// Sequences an envelope another node of the cluster verified and handed on. It is verified
    /// again here (a forged hand-on gains nothing) and never handed on further: a node that does
    /// not sequence now refuses it with ``SequencerError/notSequencer``.
    public func sequenceHandedOn(_ envelope: [UInt8]) async throws -> Receipt {
        try await sequencer.sequenceHandedOn(try verify(envelope))
    }
}
