/// The three lines every C2SP tlog-checkpoint starts with: origin, tree size, root hash.
///
/// A witness vouches for exactly these (tlog-cosignature: extension lines are signed but not
/// asserted), so it parses any checkpoint, not only MedLedger's five-line form, and keeps serving
/// logs of other designs.
public struct TreeHead: Sendable, Equatable {
    public let origin: String
    public let size: UInt64
    public let root: TreeHash

    public init(origin: String, size: UInt64, root: TreeHash) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// Why a note text is not a checkpoint.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a checkpoint's note text: at least three non-empty lines, a decimal size without
    /// leading zeros, a base64 32-byte root; any further lines are extension lines, which must be
    /// non-empty.
    public static func parse(noteText text: String) throws(ParseError) -> TreeHead {
        guard text.hasSuffix("\n") else { throw ParseError(description: "the checkpoint must end with a newline") }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3 else { throw ParseError(description: "a checkpoint has at least three lines") }
        guard lines.allSatisfy({ !$0.isEmpty }) else { throw ParseError(description: "a checkpoint line is empty") }
        guard let size = DecimalSize.parse(lines[1]) else {
            throw ParseError(description: "the tree size is not a decimal number without leading zeros")
        }
        guard let bytes = Base64Coding.decodeStandard(lines[2]), let root = TreeHash(bytes) else {
            throw ParseError(description: "the root hash is not base64 of 32 bytes")
        }
        return TreeHead(origin: String(lines[0]), size: size, root: root)
    }
}

/// Tree sizes as the witness protocol spells them: ASCII decimal, no sign, no leading zeros
/// (except `0` itself), so each size has one spelling.
public enum DecimalSize {
    public static func parse(_ text: some StringProtocol) -> UInt64? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }),
            text == "0" || text.first != "0", let value = UInt64(text)
        else { return nil }
        return value
    }
}
