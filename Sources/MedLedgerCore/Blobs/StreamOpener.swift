import Crypto
import Foundation

/// Decrypts a stored object (format 2) segment by segment, in any order, so a reader can serve a
/// byte range of a large file by opening only the segments that cover it.
///
/// Made from the object's parsed header, its stored size and the patient's key. Knowing the stored
/// size tells it which segment is the last one, so a truncated object fails: its last remaining
/// segment was sealed without the "last" flag. It holds no I/O; the caller reads the bytes
/// ``segmentRange(_:)`` names and hands them to ``open(segment:_:)``.
public struct StreamOpener: Sendable {
    /// The parsed header.
    public let header: SealedObjectHeader
    /// The object's name, type and so on, decrypted.
    public let metadata: BlobMetadata
    /// The number of segments after the header.
    public let segmentCount: Int64
    /// The plaintext length.
    public let plaintextSize: Int64
    private let dataKey: SymmetricKey

    /// Unwraps the data key with `patientKey` and checks the object's length is one an object of
    /// this header can have. Throws ``BlobStoreError/integrity(_:)``.
    public init(header: SealedObjectHeader, storedSize: Int64, patientKey: SymmetricKey) throws {
        let stride = Int64(header.segmentSize + SealedObjectHeader.tagSize)
        let body = storedSize - Int64(header.size)
        guard body >= Int64(SealedObjectHeader.tagSize) else {
            throw BlobStoreError.integrity("object is truncated: no segment follows its header")
        }
        let whole = body / stride
        let rest = body % stride
        if rest == 0 {
            segmentCount = whole
        } else {
            guard rest >= Int64(SealedObjectHeader.tagSize) else {
                throw BlobStoreError.integrity("object is truncated inside a segment's tag")
            }
            segmentCount = whole + 1
        }
        plaintextSize = body - segmentCount * Int64(SealedObjectHeader.tagSize)
        self.header = header
        self.dataKey = try header.unwrapKey(with: patientKey)
        self.metadata = try header.openMetadata(dataKey: dataKey)
    }

    /// Where segment `index` lies in the stored object.
    public func segmentRange(_ index: Int64) -> Range<Int64> {
        let stride = Int64(header.segmentSize + SealedObjectHeader.tagSize)
        let start = Int64(header.size) + index * stride
        let end = index == segmentCount - 1 ? Int64(header.size) + plaintextSize + segmentCount * Int64(SealedObjectHeader.tagSize) : start + stride
        return start..<end
    }

    /// The segments holding plaintext bytes `range` (an empty range needs none).
    public func segments(covering range: Range<Int64>) -> Range<Int64> {
        guard !range.isEmpty else { return 0..<0 }
        let size = Int64(header.segmentSize)
        return (range.lowerBound / size)..<((range.upperBound - 1) / size + 1)
    }

    /// The plaintext offset where segment `index` starts.
    public func plaintextOffset(ofSegment index: Int64) -> Int64 { index * Int64(header.segmentSize) }

    /// Authenticates and decrypts segment `index`. Never returns plaintext that fails: a segment
    /// altered, moved, reordered, or the last one missing all throw ``BlobStoreError/integrity(_:)``.
    public func open(segment index: Int64, _ sealed: UnsafeRawBufferPointer) throws -> [UInt8] {
        guard index >= 0, index < segmentCount, index < Int64(UInt32.max) else {
            throw BlobStoreError.integrity("segment \(index) is outside the object")
        }
        guard sealed.count == segmentRange(index).count else {
            throw BlobStoreError.integrity("segment \(index) has the wrong length")
        }
        let last = index == segmentCount - 1
        let tagStart = sealed.count - SealedObjectHeader.tagSize
        do {
            let box = try AES.GCM.SealedBox(
                nonce: SealedObjectHeader.nonce(prefix: header.noncePrefix, counter: UInt32(index), flag: last ? 1 : 0),
                ciphertext: UnsafeRawBufferPointer(rebasing: sealed[0..<tagStart]),
                tag: UnsafeRawBufferPointer(rebasing: sealed[tagStart...])
            )
            return Array(try AES.GCM.open(box, using: dataKey, authenticating: header.digest))
        } catch {
            throw BlobStoreError.integrity(
                last
                    ? "the last segment does not authenticate: the object was truncated or altered"
                    : "segment \(index) does not authenticate: the object was altered or its segments reordered"
            )
        }
    }
}
