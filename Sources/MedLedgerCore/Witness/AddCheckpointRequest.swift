/// The body of a C2SP tlog-witness `POST add-checkpoint`:
///
/// ```
/// old <size the witness last cosigned>
/// <base64 consistency proof hash>      (0 to 63 lines)
///
/// <signed checkpoint note>
/// ```
/// One type serves both ends (the witness parses, the node's client serializes), so the two agree
/// on the wire format by construction. Parsing is strict: a body has one accepted spelling.
public struct AddCheckpointRequest: Sendable, Equatable {
    /// The spec's cap on proof lines; a consistency proof in a tree of 2^64 leaves needs fewer.
    public static let maxProofLines = 63

    /// The tree size the client believes the witness last cosigned (0 for none).
    public var oldSize: UInt64
    /// The RFC 6962 consistency proof from `oldSize` to the checkpoint's size.
    public var proof: [TreeHash]
    /// The log's signed checkpoint (it may carry more than one signature).
    public var checkpoint: SignedNote

    public init(oldSize: UInt64, proof: [TreeHash], checkpoint: SignedNote) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// Why a body is not an add-checkpoint request (answered with 400).
    public struct ParseError: Error, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The request body.
    public var serialized: String {
        "old \(oldSize)\n" + proof.map { Base64Coding.standard($0.bytes) + "\n" }.joined() + "\n" + checkpoint.serialized
    }

    /// Parses a request body.
    public static func parse(_ body: [UInt8]) throws(ParseError) -> AddCheckpointRequest {
        guard let text = String(validating: body, as: UTF8.self) else { throw ParseError(description: "the body is not UTF-8") }
        guard !text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" || $0.value == 0x7F }) else {
            throw ParseError(description: "the body contains a control character")
        }
        var rest = Substring(text)
        func nextLine() throws(ParseError) -> Substring {
            guard let end = rest.firstIndex(of: "\n") else { throw ParseError(description: "a line does not end with a newline") }
            defer { rest = rest[rest.index(after: end)...] }
            return rest[..<end]
        }
        let oldLine = try nextLine()
        guard oldLine.hasPrefix("old "), let oldSize = DecimalSize.parse(oldLine.dropFirst(4)) else {
            throw ParseError(description: "the first line must be 'old <size>' in decimal without leading zeros")
        }
        var proof: [TreeHash] = []
        while true {
            let line = try nextLine()
            if line.isEmpty { break }
            guard proof.count < maxProofLines else { throw ParseError(description: "more than \(maxProofLines) proof lines") }
            guard let bytes = Base64Coding.decodeStandard(line), let hash = TreeHash(bytes) else {
                throw ParseError(description: "a proof line is not base64 of a 32-byte hash")
            }
            proof.append(hash)
        }
        let checkpoint: SignedNote
        do {
            checkpoint = try SignedNote.parse(String(rest))
        } catch {
            switch error {
            case .malformed(let reason): throw ParseError(description: "the checkpoint is not a signed note: \(reason)")
            }
        }
        return AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: checkpoint)
    }
}
