import Crypto
import Foundation

/// A C2SP tlog-checkpoint body, closing one block of the ledger.
///
/// ```
/// <origin>
/// <tree size>
/// <base64 root hash>
/// time <Unix milliseconds of the block>
/// prev <previous checkpoint's size> <base64 SHA-256 of the previous checkpoint's body>
/// ```
/// The two extension lines make the checkpoints a hash chain and give every entry a time that no
/// client clock decides: an entry's time is the `time` of the first checkpoint that includes it.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: UInt64
    public let root: TreeHash
    /// Unix milliseconds at which the block was sealed.
    public let time: Int64
    /// Size of the previous checkpoint (0 for the first block).
    public let previousSize: UInt64
    /// SHA-256 of the previous checkpoint's body text; 32 zero bytes for the first block.
    public let previousHash: [UInt8]

    public init(origin: String, size: UInt64, root: TreeHash, time: Int64, previousSize: UInt64, previousHash: [UInt8]) {
        self.origin = origin
        self.size = size
        self.root = root
        self.time = time
        self.previousSize = previousSize
        self.previousHash = previousHash
    }

    /// The previous-hash value of the first checkpoint.
    public static let noPrevious = [UInt8](repeating: 0, count: 32)

    /// The note text that is signed.
    public var body: String {
        "\(origin)\n\(size)\n\(Base64Coding.standard(root.bytes))\ntime \(time)\nprev \(previousSize) \(Base64Coding.standard(previousHash))\n"
    }

    /// SHA-256 of ``body``: what the next checkpoint's `prev` line names.
    public var bodyHash: [UInt8] { Array(SHA256.hash(data: Array(body.utf8))) }

    /// Why a note text is not a MedLedger checkpoint.
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a checkpoint body, accepting only the canonical spelling ``body`` produces.
    public static func parse(_ text: String) throws(ParseError) -> Checkpoint {
        // Origin, size and root as every C2SP checkpoint has them; then MedLedger's two extension lines.
        let head: TreeHead
        do {
            head = try TreeHead.parse(noteText: text)
        } catch {
            throw ParseError(description: error.description)
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 6 else { throw ParseError(description: "expected five lines") }
        guard CheckpointOrigin.isValid(head.origin) else { throw ParseError(description: "bad origin") }
        let timeParts = lines[3].split(separator: " ", omittingEmptySubsequences: false)
        guard timeParts.count == 2, timeParts[0] == "time", let time = Int64(timeParts[1]), String(time) == timeParts[1] else {
            throw ParseError(description: "bad time line")
        }
        let prevParts = lines[4].split(separator: " ", omittingEmptySubsequences: false)
        guard prevParts.count == 3, prevParts[0] == "prev", let prevSize = UInt64(prevParts[1]), String(prevSize) == prevParts[1],
            let prevHash = Base64Coding.decodeStandard(prevParts[2]), prevHash.count == 32
        else { throw ParseError(description: "bad prev line") }
        let checkpoint = Checkpoint(origin: head.origin, size: head.size, root: head.root, time: time, previousSize: prevSize, previousHash: prevHash)
        guard checkpoint.body == text else { throw ParseError(description: "not in canonical form") }
        return checkpoint
    }
}

/// A checkpoint with the log's signed note around it.
public struct SignedCheckpoint: Sendable, Equatable {
    public let checkpoint: Checkpoint
    public let note: SignedNote

    public init(checkpoint: Checkpoint, note: SignedNote) {
        self.checkpoint = checkpoint
        self.note = note
    }

    /// Parses a served note and checks the log's signature on it.
    public static func open(_ serialized: String, verifier: NoteVerifierKey) throws -> SignedCheckpoint {
        let note = try SignedNote.parse(serialized)
        guard verifier.hasSigned(note) else { throw Checkpoint.ParseError(description: "no valid signature by \(verifier.name)") }
        return SignedCheckpoint(checkpoint: try Checkpoint.parse(note.text), note: note)
    }
}
