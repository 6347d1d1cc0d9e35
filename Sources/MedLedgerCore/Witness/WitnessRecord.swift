/// What a witness remembers of one log: the latest checkpoint it cosigned.
///
/// The protocol needs nothing more (tlog-witness keeps one checkpoint per origin), and keeping the
/// whole signed note, not just size and root, means a later conflicting checkpoint can be shown
/// side by side with the one the log signed before.
public struct WitnessRecord: Sendable, Equatable {
    public let head: TreeHead
    /// The checkpoint as the log signed it (the log's signature lines, no cosignatures).
    public let checkpoint: SignedNote

    public init(head: TreeHead, checkpoint: SignedNote) {
        self.head = head
        self.checkpoint = checkpoint
    }

    /// Reads a record back from the note it was saved as.
    public init(checkpoint: SignedNote) throws(TreeHead.ParseError) {
        self.init(head: try TreeHead.parse(noteText: checkpoint.text), checkpoint: checkpoint)
    }

    public var origin: String { head.origin }
    public var size: UInt64 { head.size }
}
