import MedLedgerCore

/// A patient's profile as a restricted ``ProfileDisclosure`` shows it: the decrypted document,
/// filtered, held in memory. The node hands it out in place of the stored object's reader, so no
/// path (inline JSON, file stream, byte range) can reach the fields the reader may not see.
final class DisclosedContentReader: BlobReader {
    let cid: String
    let metadata: BlobMetadata
    private let bytes: [UInt8]

    /// Reads the whole of `reader` (at most `limit` bytes; a larger document shows nothing),
    /// closes it and keeps what `disclosure` lets through.
    static func make(from reader: any BlobReader, disclosure: ProfileDisclosure, limit: Int64) async throws -> DisclosedContentReader {
        defer { reader.close() }
        var document: [UInt8] = []
        if reader.size <= limit {
            try await reader.read(0..<reader.size) { document += $0 }
        }
        return DisclosedContentReader(cid: reader.cid, bytes: disclosure.filter(document))
    }

    private init(cid: String, bytes: [UInt8]) {
        self.cid = cid
        self.metadata = BlobMetadata(mediaType: "application/json")
        self.bytes = bytes
    }

    var size: Int64 { Int64(bytes.count) }

    func read(_ range: Range<Int64>, into body: ([UInt8]) async throws -> Void) async throws {
        let lower = Int(max(0, min(range.lowerBound, size)))
        let upper = Int(max(Int64(lower), min(range.upperBound, size)))
        guard lower < upper else { return }
        try await body(Array(bytes[lower..<upper]))
    }

    func close() {}
}
