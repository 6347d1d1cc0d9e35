import Crypto
import Foundation

/// Encrypts a stream of any length into a stored object (format 2): the header, then the
/// plaintext in segments of ``SealedObjectHeader/segmentSize`` bytes, each sealed with
/// AES-256-GCM under the object's own data key, in the manner of age's STREAM construction.
///
/// Segment `i` uses nonce `prefix ‖ i ‖ flag`, where the flag is 1 only on the last segment, and
/// the header's SHA-256 as additional data. A reader therefore detects a reordered segment (wrong
/// counter), a truncated object (the last segment present does not carry the flag), an appended or
/// altered one (authentication fails) and a segment moved from another object (other header).
///
/// It is a value with no I/O: callers feed plaintext with ``append(_:emit:)`` and pass everything
/// ``header`` and `emit` give them, in order, to storage. Memory is one segment, whatever the size.
/// The last segment is only sealed by ``finish(emit:)``, because until then the sealer cannot know
/// that no more plaintext follows; an empty stream is one empty, flagged segment.
public struct StreamSealer: Sendable {
    /// The object's header; store it before the first emitted segment.
    public let header: SealedObjectHeader
    private let dataKey: SymmetricKey
    private var staged: [UInt8] = []
    private var counter: UInt32 = 0
    /// Plaintext bytes taken so far.
    public private(set) var plaintextCount: Int64 = 0

    /// Starts an object for `owner` with a fresh random data key wrapped under `patientKey`.
    public init(owner: AccountAddress, patientKey: SymmetricKey, metadata: BlobMetadata, segmentShift: UInt8 = SealedObjectHeader.defaultSegmentShift) throws {
        let dataKey = SymmetricKey(size: .bits256)
        self.header = try SealedObjectHeader(owner: owner, patientKey: patientKey, dataKey: dataKey, metadata: metadata, segmentShift: segmentShift)
        self.dataKey = dataKey
        self.staged.reserveCapacity(header.segmentSize)
    }

    /// The stored size of an object whose plaintext is `plaintextSize` bytes.
    public static func storedSize(plaintextSize: Int64, headerSize: Int, segmentSize: Int) -> Int64 {
        let segments = max(1, (plaintextSize + Int64(segmentSize) - 1) / Int64(segmentSize))
        return Int64(headerSize) + plaintextSize + segments * Int64(SealedObjectHeader.tagSize)
    }

    /// Takes more plaintext; emits every segment that is now known not to be the last.
    /// `emit` receives each sealed segment (ciphertext ‖ tag); the buffer is valid only during the call.
    public mutating func append(_ plaintext: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        var rest = plaintext
        plaintextCount += Int64(plaintext.count)
        let size = header.segmentSize
        // Fill a partly staged segment first.
        if !staged.isEmpty || rest.count <= size {
            let room = size - staged.count
            let taken = min(room, rest.count)
            staged.append(contentsOf: rest[0..<taken])
            rest = UnsafeRawBufferPointer(rebasing: rest[taken...])
            // The staged segment is complete and more follows: it is not the last.
            if staged.count == size, !rest.isEmpty {
                try staged.withUnsafeBytes { try sealSegment($0, last: false, emit: emit) }
                staged.removeAll(keepingCapacity: true)
            }
        }
        // Seal whole segments straight from the caller's buffer while more follows them.
        while rest.count > size {
            try sealSegment(UnsafeRawBufferPointer(rebasing: rest[0..<size]), last: false, emit: emit)
            rest = UnsafeRawBufferPointer(rebasing: rest[size...])
        }
        if !rest.isEmpty {
            staged.append(contentsOf: rest)
        }
    }

    /// Convenience for byte arrays.
    public mutating func append(_ plaintext: [UInt8], emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try plaintext.withUnsafeBytes { try append($0, emit: emit) }
    }

    /// Seals the staged remainder as the last segment.
    public mutating func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        try staged.withUnsafeBytes { try sealSegment($0, last: true, emit: emit) }
        staged.removeAll()
    }

    private mutating func sealSegment(_ plaintext: UnsafeRawBufferPointer, last: Bool, emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard counter < UInt32.max else { throw BlobStoreError.tooLarge(limit: Int(UInt32.max) * header.segmentSize) }
        let nonce = SealedObjectHeader.nonce(prefix: header.noncePrefix, counter: counter, flag: last ? 1 : 0)
        let box = try AES.GCM.seal(plaintext, using: dataKey, nonce: nonce, authenticating: header.digest)
        counter += 1
        // One buffer per segment keeps the emitted bytes contiguous for the caller.
        var out = [UInt8]()
        out.reserveCapacity(plaintext.count + SealedObjectHeader.tagSize)
        out.append(contentsOf: box.ciphertext)
        out.append(contentsOf: box.tag)
        try out.withUnsafeBytes { try emit($0) }
    }
}
