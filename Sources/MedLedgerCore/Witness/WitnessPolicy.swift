/// Which witnesses a checkpoint needs before the node serves it as *the* checkpoint: k of n.
///
/// A client that trusts a checkpoint only with a quorum of independent cosignatures cannot be
/// shown a split view unless that many witnesses collude, so the node holds back checkpoints that
/// do not meet the policy rather than serving them as if they had.
public struct WitnessPolicy: Sendable, Equatable {
    /// The trusted witnesses' `cosignature/v1` verifier keys.
    public var witnesses: [NoteVerifierKey]
    /// How many distinct witnesses must have cosigned; 0 means the policy always holds.
    public var quorum: Int

    public init(witnesses: [NoteVerifierKey], quorum: Int) {
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// True when at least ``quorum`` distinct witnesses validly cosigned `note`.
    public func isSatisfied(by note: SignedNote) -> Bool {
        quorum <= 0 || cosigners(of: note).count >= quorum
    }

    /// The witnesses with a valid cosignature on `note`, each once (a witness listed twice or
    /// signing twice still counts once), in the policy's order.
    public func cosigners(of note: SignedNote) -> [NoteVerifierKey] {
        var found: [NoteVerifierKey] = []
        for witness in witnesses where !found.contains(witness) && witness.cosignatureTime(on: note) != nil {
            found.append(witness)
        }
        return found
    }
}
