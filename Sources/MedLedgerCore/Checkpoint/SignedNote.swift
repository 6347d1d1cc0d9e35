import Foundation

/// A C2SP signed note: newline-terminated text, a blank line, then `— <name> <base64>` signature lines.
public struct SignedNote: Sendable, Equatable {
    /// One signature line: the signer's key name, 4-byte key ID and signature bytes.
    public struct Signature: Sendable, Equatable {
        public let name: String
        public let keyID: [UInt8]
        public let signature: [UInt8]

        public init(name: String, keyID: [UInt8], signature: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.signature = signature
        }

        /// The signature line, without its final newline.
        public var line: String { "\u{2014} \(name) \(Base64Coding.standard(keyID + signature))" }
    }

    /// The signed text; ends with a newline.
    public let text: String
    public let signatures: [Signature]

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as served: text, blank line, one line per signature.
    public var serialized: String {
        text + "\n" + signatures.map { $0.line + "\n" }.joined()
    }

    /// Errors when parsing a note.
    public enum ParseError: Error, Equatable {
        case malformed(String)
    }

    /// Parses a serialized note, keeping every well-formed signature line (verification decides trust).
    ///
    /// Control characters other than newline are refused, as C2SP signed-note requires: besides
    /// being meaningless in a note, a carriage return would join the newline after it into one
    /// `Character`, so the text would end in `"\r\n"` and no longer `hasSuffix("\n")`.
    public static func parse(_ serialized: String) throws(ParseError) -> SignedNote {
        guard !serialized.unicodeScalars.contains(where: { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F }) else {
            throw .malformed("a note must not contain control characters other than newline")
        }
        guard serialized.hasSuffix("\n") else { throw .malformed("a note must end with a newline") }
        guard let separator = serialized.range(of: "\n\n", options: .backwards) else {
            throw .malformed("missing the blank line before signatures")
        }
        let text = String(serialized[..<separator.lowerBound]) + "\n"
        let signatureBlock = serialized[separator.upperBound...]
        guard !text.contains("\n\n"), !text.hasPrefix("\n") else { throw .malformed("note text has an empty line") }
        var signatures: [Signature] = []
        for line in signatureBlock.split(separator: "\n", omittingEmptySubsequences: false).dropLast() {
            guard line.hasPrefix("\u{2014} ") else { throw .malformed("a signature line must start with an em dash") }
            let parts = line.dropFirst(2).split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, NoteKeyName.isValid(String(parts[0])),
                let bytes = Base64Coding.decodeStandard(parts[1]), bytes.count > 4
            else { throw .malformed("a signature line is not '— <name> <base64>'") }
            signatures.append(Signature(name: String(parts[0]), keyID: Array(bytes.prefix(4)), signature: Array(bytes.dropFirst(4))))
        }
        guard !signatures.isEmpty else { throw .malformed("a note needs at least one signature") }
        return SignedNote(text: text, signatures: signatures)
    }
}

/// Rules for key names and checkpoint origins: non-empty, no whitespace, no '+'.
public enum NoteKeyName {
    public static func isValid(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 255
            && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "+" && !$0.properties.isWhitespace }
    }
}

/// Checkpoint origins follow key-name rules, since the log signs under its origin.
public enum CheckpointOrigin {
    public static func isValid(_ origin: String) -> Bool { NoteKeyName.isValid(origin) }
}

