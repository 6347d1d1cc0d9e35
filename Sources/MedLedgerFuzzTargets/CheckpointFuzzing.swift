import MedLedgerCore

/// Drives ``Checkpoint/parse(_:)``, ``TreeHead/parse(noteText:)`` and
/// ``SignedCheckpoint/open(_:verifier:)`` with a fixed log key.
public enum CheckpointFuzzing {
    /// Parses `input` as a checkpoint body, a tree head and a signed checkpoint.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        let head = try? TreeHead.parse(noteText: text)
        if let checkpoint = try? Checkpoint.parse(text) {
            try body(of: checkpoint, is: text)
            try FuzzInvariantViolation.expect(
                head == TreeHead(origin: checkpoint.origin, size: checkpoint.size, root: checkpoint.root),
                "a checkpoint's first three lines are its tree head"
            )
        }
        if let head {
            try FuzzInvariantViolation.expect(!head.origin.isEmpty && head.root.bytes.count == 32, "a tree head has an origin and a 32-byte root")
        }
        guard let opened = try? SignedCheckpoint.open(text, verifier: FuzzFixtures.logVerifierKey) else { return }
        try body(of: opened.checkpoint, is: opened.note.text)
        try FuzzInvariantViolation.expect(FuzzFixtures.logVerifierKey.hasSigned(opened.note), "an opened checkpoint is signed by the log")
    }

    /// A parsed checkpoint is the canonical spelling of its fields.
    static func body(of checkpoint: Checkpoint, is text: String) throws(FuzzInvariantViolation) {
        try FuzzInvariantViolation.expect(checkpoint.body == text, "a checkpoint has one spelling")
        let reparsed = try? Checkpoint.parse(checkpoint.body)
        try FuzzInvariantViolation.expect(reparsed == checkpoint, "a checkpoint body parses to the same checkpoint")
        try FuzzInvariantViolation.expect(checkpoint.previousHash.count == 32, "the previous hash is 32 bytes")
    }
}
