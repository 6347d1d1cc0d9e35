import Foundation
import MedLedgerCore

/// Reads plaintext ranges of an object whose CID ``ObjectFile/verify(_:)`` checked: reads the
/// segments a range needs, up to 1 MiB at a time, and authenticates each before handing it on.
/// Its state is immutable after opening (the descriptor is read with `pread` and closed once), so
/// it may be handed to the task that streams a response.
final class FileBlobReader: BlobReader, @unchecked Sendable {
    let cid: String
    let file: ObjectFile
    let opener: StreamOpener
    /// Segments read per call.
    static let segmentsPerRead: Int64 = 16

    init(cid: String, file: ObjectFile, opener: StreamOpener) {
        self.cid = cid
        self.file = file
        self.opener = opener
    }

    var metadata: BlobMetadata { opener.metadata }
    var size: Int64 { opener.plaintextSize }

    func read(_ range: Range<Int64>, into body: ([UInt8]) async throws -> Void) async throws {
        let clamped = max(0, range.lowerBound)..<max(max(0, range.lowerBound), min(size, range.upperBound))
        let segments = opener.segments(covering: clamped)
        guard !segments.isEmpty else { return }
        let stride = opener.header.segmentSize + 16
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: stride * Int(Self.segmentsPerRead), alignment: 4096)
        defer { buffer.deallocate() }
        var first = segments.lowerBound
        while first < segments.upperBound {
            let last = min(segments.upperBound, first + Self.segmentsPerRead)
            let start = opener.segmentRange(first).lowerBound
            let end = opener.segmentRange(last - 1).upperBound
            let got = try file.read(into: buffer, at: start, count: Int(end - start))
            guard got == Int(end - start) else {
                throw BlobStoreError.integrity("the object ended early: it was truncated after it was checked")
            }
            for segment in first..<last {
                let stored = opener.segmentRange(segment)
                let slice = UnsafeRawBufferPointer(rebasing: buffer[Int(stored.lowerBound - start)..<Int(stored.upperBound - start)])
                let plaintext = try opener.open(segment: segment, slice)
                let offset = opener.plaintextOffset(ofSegment: segment)
                let from = Int(max(clamped.lowerBound, offset) - offset)
                let to = Int(min(clamped.upperBound, offset + Int64(plaintext.count)) - offset)
                if from == 0, to == plaintext.count {
                    try await body(plaintext)
                } else {
                    try await body(Array(plaintext[from..<to]))
                }
            }
            first = last
        }
    }

    func close() { file.close() }
}
