import MedLedgerCore

/// Drives ``SignedNote/parse(_:)`` and ``NoteVerifierKey/init(vkey:)``: what a client reads from
/// `GET /checkpoint` and `GET /log-key`, and what a witness is sent.
public enum SignedNoteFuzzing {
    /// Parses `input` as a note and as a verifier key; checks both have one spelling.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        if let key = NoteVerifierKey(vkey: text) {
            try FuzzInvariantViolation.expect(key.vkey == text, "a verifier key has one spelling")
            try FuzzInvariantViolation.expect(NoteVerifierKey(vkey: key.vkey) == key, "a verifier key re-parses to itself")
        }
        let note: SignedNote
        do {
            note = try SignedNote.parse(text)
        } catch {
            return
        }
        try FuzzInvariantViolation.expect(!note.signatures.isEmpty, "a note has a signature")
        try FuzzInvariantViolation.expect(note.text.hasSuffix("\n"), "note text ends with a newline")
        try FuzzInvariantViolation.expect(note.signatures.allSatisfy { $0.keyID.count == 4 && !$0.signature.isEmpty }, "signature lines split into key ID and signature")
        try FuzzInvariantViolation.expect(note.serialized == text, "a parsed note serialises to its input")
        let reparsed = try? SignedNote.parse(note.serialized)
        try FuzzInvariantViolation.expect(reparsed == note, "a serialised note parses to the same note")
        let key = FuzzFixtures.logVerifierKey
        if key.hasSigned(note) {
            try FuzzInvariantViolation.expect(note.signatures.contains { $0.name == key.name }, "a valid signature names its key")
        }
        if let time = FuzzFixtures.witnessVerifierKey.cosignatureTime(on: note) {
            try FuzzInvariantViolation.expect(time <= CosignatureV1.maxTime, "a cosignature time fits the format")
        }
    }
}
