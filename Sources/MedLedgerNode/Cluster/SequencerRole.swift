/// What a node's sequencer does with submissions.
enum SequencerRole: Sendable, Equatable {
    /// The only node of its store (SQLite): it always sequences, with no lease.
    case standalone
    /// It holds the shared store's lease and writes the ledger.
    case sequencing
    /// Another node holds the lease (reachable at `endpoint`, nil while none is known): submissions
    /// are handed to it.
    case following(endpoint: String?)
}
