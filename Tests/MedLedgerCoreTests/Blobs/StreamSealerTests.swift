import Crypto
import Foundation
import MedLedgerTestSupport
import Testing

@testable import MedLedgerCore

/// Format 2 objects: ``StreamSealer`` writes them, ``SealedObjectHeader`` and ``StreamOpener``
/// read them back. No store is involved: these tests handle the stored bytes directly.
@Suite("Stream sealer and opener")
struct StreamSealerTests {
    static let owner = AccountAddress("ml" + String(repeating: "ab", count: 20))!
    static let metadata = BlobMetadata(mediaType: "application/pdf", fileName: "hiv-test results.pdf")

    // MARK: Helpers

    static func pattern(_ count: Int, seed: UInt64 = 1) -> [UInt8] { TestBytes.pattern(count, seed: seed) }

    /// What sealing gave: the stored bytes, the header the sealer made and each emitted segment.
    struct Sealed {
        let bytes: [UInt8]
        let header: SealedObjectHeader
        let segments: [[UInt8]]
        let plaintextCount: Int64
    }

    /// Seals `plaintext` fed in pieces of the sizes in `pieces` (cycled).
    static func seal(
        _ plaintext: [UInt8], pieces: [Int] = [100_000], key: SymmetricKey, owner: AccountAddress = owner,
        metadata: BlobMetadata = metadata, segmentShift: UInt8 = SealedObjectHeader.defaultSegmentShift
    ) throws -> Sealed {
        var sealer = try StreamSealer(owner: owner, patientKey: key, metadata: metadata, segmentShift: segmentShift)
        var segments: [[UInt8]] = []
        var offset = 0
        var piece = 0
        while offset < plaintext.count {
            let count = min(pieces[piece % pieces.count], plaintext.count - offset)
            try sealer.append(Array(plaintext[offset..<(offset + count)])) { segments.append(Array($0)) }
            offset += count
            piece += 1
        }
        try sealer.finish { segments.append(Array($0)) }
        return Sealed(bytes: sealer.header.bytes + segments.joined(), header: sealer.header, segments: segments, plaintextCount: sealer.plaintextCount)
    }

    /// Parses the header of `stored` and makes an opener with `key`.
    static func opener(_ stored: [UInt8], key: SymmetricKey) throws -> StreamOpener {
        let header = try SealedObjectHeader(parsing: Array(stored.prefix(SealedObjectHeader.maxSize)))
        return try StreamOpener(header: header, storedSize: Int64(stored.count), patientKey: key)
    }

    /// Opens segment `index` of `stored` as the opener locates it.
    static func openSegment(_ opener: StreamOpener, _ index: Int64, of stored: [UInt8]) throws -> [UInt8] {
        let range = opener.segmentRange(index)
        return try stored.withUnsafeBytes {
            try opener.open(segment: index, UnsafeRawBufferPointer(rebasing: $0[Int(range.lowerBound)..<Int(range.upperBound)]))
        }
    }

    /// Decrypts a whole object.
    static func openAll(_ stored: [UInt8], key: SymmetricKey) throws -> [UInt8] {
        let opener = try Self.opener(stored, key: key)
        var plaintext = [UInt8]()
        for index in 0..<opener.segmentCount {
            plaintext += try openSegment(opener, index, of: stored)
        }
        return plaintext
    }

    static func isIntegrity(_ error: any Error) -> Bool {
        if case .integrity = error as? BlobStoreError { return true }
        return false
    }

    /// Expects `damaged` to be refused as an integrity failure, and checks that nothing but
    /// authentic plaintext ever comes out of it: either the opener refuses the object outright, or
    /// some segment fails and every segment that does open is exactly the original's.
    static func expectRefused(
        _ damaged: [UInt8], key: SymmetricKey, original: [UInt8], segmentSize: Int,
        _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(throws: BlobStoreError.self, comment, sourceLocation: sourceLocation) { _ = try openAll(damaged, key: key) }
        let opener: StreamOpener
        do {
            opener = try Self.opener(damaged, key: key)
        } catch {
            #expect(isIntegrity(error), "\(error)", sourceLocation: sourceLocation)
            return
        }
        var failures = 0
        for index in 0..<opener.segmentCount {
            do {
                let plaintext = try openSegment(opener, index, of: damaged)
                let start = Int(index) * segmentSize
                let authentic = start <= original.count ? Array(original[start..<min(original.count, start + segmentSize)]) : []
                #expect(plaintext == authentic, "segment \(index) returned plaintext that is not the original's", sourceLocation: sourceLocation)
            } catch {
                #expect(isIntegrity(error), "\(error)", sourceLocation: sourceLocation)
                failures += 1
            }
        }
        #expect(failures > 0, "every segment of a damaged object opened", sourceLocation: sourceLocation)
    }

    // MARK: Round trips

    static let roundTripSizes = [0, 1, 65535, 65536, 65537, 3 * 65536, 3 * 65536 + 5]

    @Test(
        "any plaintext size, fed in pieces of any size, comes back identical at the predicted stored size",
        arguments: roundTripSizes, [[1], [1000], [100_000], [1, 1000, 100_000, 7, 65536]]
    )
    func roundTrip(size: Int, pieces: [Int]) throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(size, seed: UInt64(size))
        let sealed = try Self.seal(plaintext, pieces: pieces, key: key)
        #expect(sealed.plaintextCount == Int64(size))

        let segmentSize = 1 << Int(SealedObjectHeader.defaultSegmentShift)
        #expect(sealed.header.segmentSize == segmentSize)
        let expectedSegments = max(1, (size + segmentSize - 1) / segmentSize)
        #expect(sealed.segments.count == expectedSegments)
        for (index, segment) in sealed.segments.enumerated() {
            let plaintextInSegment = index < expectedSegments - 1 ? segmentSize : size - (expectedSegments - 1) * segmentSize
            #expect(segment.count == plaintextInSegment + SealedObjectHeader.tagSize, "segment \(index)")
        }
        let predicted = StreamSealer.storedSize(plaintextSize: Int64(size), headerSize: sealed.header.size, segmentSize: segmentSize)
        #expect(Int64(sealed.bytes.count) == predicted)
        #expect(predicted == Int64(sealed.header.size + size + expectedSegments * SealedObjectHeader.tagSize))

        let opener = try Self.opener(sealed.bytes, key: key)
        #expect(opener.plaintextSize == Int64(size))
        #expect(opener.segmentCount == Int64(expectedSegments))
        #expect(try Self.openAll(sealed.bytes, key: key) == plaintext)
    }

    @Test("the split of the plaintext into appends does not change the segments' plaintext")
    func appendSplitIsIrrelevant() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(10 * 1024 + 3, seed: 9)
        for pieces in [[1], [1023], [1024], [1025], [4096], [20_000], [3, 2048, 1, 5000]] {
            let sealed = try Self.seal(plaintext, pieces: pieces, key: key, segmentShift: 10)
            #expect(sealed.segments.count == 11, "\(pieces)")
            #expect(sealed.segments.map(\.count) == Array(repeating: 1040, count: 10) + [19], "\(pieces)")
            #expect(try Self.openAll(sealed.bytes, key: key) == plaintext, "\(pieces)")
        }
    }

    @Test("empty appends emit nothing, and an empty object is one empty, flagged segment")
    func emptyObject() throws {
        let key = SymmetricKey(size: .bits256)
        var sealer = try StreamSealer(owner: Self.owner, patientKey: key, metadata: Self.metadata)
        var emitted: [[UInt8]] = []
        try sealer.append([]) { emitted.append(Array($0)) }
        #expect(emitted.isEmpty)
        try sealer.finish { emitted.append(Array($0)) }
        #expect(emitted.count == 1)
        #expect(emitted.first?.count == SealedObjectHeader.tagSize)
        let stored = sealer.header.bytes + emitted.joined()
        #expect(Int64(stored.count) == StreamSealer.storedSize(plaintextSize: 0, headerSize: sealer.header.size, segmentSize: 65536))
        let opener = try Self.opener(stored, key: key)
        #expect(opener.segmentCount == 1)
        #expect(opener.plaintextSize == 0)
        #expect(opener.segmentRange(0) == Int64(sealer.header.size)..<Int64(stored.count))
        #expect(try Self.openAll(stored, key: key) == [])
        // Without its only segment, the header alone is refused.
        #expect(throws: BlobStoreError.self) { _ = try Self.opener(sealer.header.bytes, key: key) }
    }

    @Test("the same plaintext sealed twice under one patient key gives unrelated objects")
    func freshKeysAndNonces() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(3000)
        let first = try Self.seal(plaintext, key: key, segmentShift: 10)
        let second = try Self.seal(plaintext, key: key, segmentShift: 10)
        #expect(first.header.noncePrefix != second.header.noncePrefix)
        #expect(first.header.wrappedKey != second.header.wrappedKey)
        for index in first.segments.indices {
            #expect(first.segments[index] != second.segments[index])
        }
        #expect(try Self.openAll(first.bytes, key: key) == plaintext)
        #expect(try Self.openAll(second.bytes, key: key) == plaintext)
    }

    // MARK: Header

    @Test("the header parses back: owner, segment size, nonce prefix, wrapped key, metadata and file name")
    func headerParsesBack() throws {
        let key = SymmetricKey(size: .bits256)
        let metadata = BlobMetadata(mediaType: "image/png", fileName: "Röntgen Knie links.png")
        let sealed = try Self.seal(Self.pattern(5000), key: key, metadata: metadata, segmentShift: 12)
        let header = sealed.header
        #expect(Array(sealed.bytes.prefix(4)) == SealedObjectHeader.magic)
        #expect(sealed.bytes[4] == 12)
        #expect(String(decoding: sealed.bytes[5..<47], as: UTF8.self) == Self.owner.rawValue)

        let parsed = try SealedObjectHeader(parsing: sealed.bytes)
        #expect(parsed == header)
        #expect(parsed.owner == Self.owner)
        #expect(parsed.segmentSize == 4096)
        #expect(parsed.noncePrefix.count == SealedObjectHeader.noncePrefixSize)
        #expect(parsed.wrappedKey.count == SealedObjectHeader.wrappedKeySize)
        #expect(parsed.size == SealedObjectHeader.fixedSize + parsed.sealedMetadata.count)
        #expect(parsed.digest == Array(SHA256.hash(data: sealed.bytes.prefix(parsed.size))))

        let opener = try Self.opener(sealed.bytes, key: key)
        #expect(opener.metadata == metadata)
        #expect(opener.metadata.fileName == "Röntgen Knie links.png")
        #expect(opener.metadata.mediaType == "image/png")
        let dataKey = try parsed.unwrapKey(with: key)
        #expect(try parsed.openMetadata(dataKey: dataKey) == metadata)
    }

    @Test("the file name and media type are never in clear in the stored bytes")
    func metadataIsSealed() throws {
        let sealed = try Self.seal(Array("x".utf8), key: SymmetricKey(size: .bits256))
        #expect(sealed.bytes.firstRange(of: Array("hiv-test".utf8)) == nil)
        #expect(sealed.bytes.firstRange(of: Array("application/pdf".utf8)) == nil)
    }

    @Test("the longest file name fits the header; an oversized media type or a bad segment size is refused")
    func headerBounds() throws {
        let key = SymmetricKey(size: .bits256)
        let longest = BlobMetadata(mediaType: "application/pdf", fileName: String(repeating: "🩺", count: 300) + ".pdf")
        #expect(longest.fileName?.count == 120)
        let sealed = try Self.seal([1, 2, 3], key: key, metadata: longest)
        #expect(sealed.header.size <= SealedObjectHeader.maxSize)
        #expect(try Self.opener(sealed.bytes, key: key).metadata == longest)

        let huge = BlobMetadata(mediaType: String(repeating: "x", count: BlobMetadata.maxEncodedSize))
        #expect(throws: BlobStoreError.self) { _ = try StreamSealer(owner: Self.owner, patientKey: key, metadata: huge) }
        for shift: UInt8 in [0, 9, 25, 64] {
            #expect(throws: BlobStoreError.self, "shift \(shift)") {
                _ = try StreamSealer(owner: Self.owner, patientKey: key, metadata: Self.metadata, segmentShift: shift)
            }
        }
        #expect(throws: BlobStoreError.self) {
            _ = try StreamSealer(owner: Self.owner, patientKey: SymmetricKey(size: .bits128), metadata: Self.metadata)
        }
    }

    // MARK: Tampering

    /// Header fields and a byte in each, as offsets into a stored object.
    static let headerOffsets: [(String, Int)] = [
        ("magic", 0), ("format", 3), ("segment size", 4), ("owner, first byte", 5), ("owner, last byte", 46),
        ("nonce prefix, first byte", 47), ("nonce prefix, last byte", 53), ("wrapped key nonce", 54),
        ("wrapped key ciphertext", 70), ("wrapped key tag", 113), ("metadata length, high byte", 114),
        ("metadata length, low byte", 115), ("sealed metadata, first byte", 116),
    ]

    @Test("a flipped byte anywhere in the header is refused before any segment opens")
    func flippedHeaderByte() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(5000)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        var offsets = Self.headerOffsets
        offsets.append(("sealed metadata, last byte (tag)", sealed.header.size - 1))
        for (field, offset) in offsets {
            for mask: UInt8 in [0x01, 0x80] {
                var damaged = sealed.bytes
                damaged[offset] ^= mask
                #expect(throws: BlobStoreError.self, "\(field)") { _ = try Self.opener(damaged, key: key) }
                Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024, "\(field)")
            }
        }
    }

    @Test("another valid owner written into the header does not open, even with the right key")
    func ownerRewritten() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(2000)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        let other = AccountAddress("ml" + String(repeating: "cd", count: 20))!
        var damaged = sealed.bytes
        damaged.replaceSubrange(5..<47, with: Array(other.rawValue.utf8))
        let header = try SealedObjectHeader(parsing: damaged)
        #expect(header.owner == other)
        #expect(throws: BlobStoreError.self) { _ = try header.unwrapKey(with: key) }
        Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024)
    }

    @Test("a flipped byte in any segment is refused, and only that segment fails")
    func flippedSegmentByte() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(3 * 1024 + 5)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        let opener = try Self.opener(sealed.bytes, key: key)
        #expect(opener.segmentCount == 4)
        for segment in 0..<opener.segmentCount {
            let range = opener.segmentRange(segment)
            // First byte, a middle byte and the last byte of the tag.
            for offset in [range.lowerBound, (range.lowerBound + range.upperBound) / 2, range.upperBound - 1] {
                var damaged = sealed.bytes
                damaged[Int(offset)] ^= 0x20
                #expect(throws: BlobStoreError.self, "segment \(segment), offset \(offset)") {
                    _ = try Self.openSegment(opener, segment, of: damaged)
                }
                Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024, "segment \(segment), offset \(offset)")
            }
        }
    }

    @Test("dropping the last segment is refused: the new last segment lacks the final flag")
    func truncatedAtSegmentBoundary() throws {
        let key = SymmetricKey(size: .bits256)
        for size in [3 * 1024, 3 * 1024 + 5] {
            let plaintext = Self.pattern(size)
            let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
            var damaged = sealed.bytes
            damaged.removeLast(sealed.segments.last!.count)
            // The shortened object still has a plausible shape: whole segments only.
            let opener = try Self.opener(damaged, key: key)
            #expect(opener.segmentCount == Int64(sealed.segments.count - 1))
            #expect(opener.plaintextSize == Int64(opener.segmentCount) * 1024)
            #expect(throws: BlobStoreError.self) { _ = try Self.openSegment(opener, opener.segmentCount - 1, of: damaged) }
            Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024, "size \(size)")

            // Every segment boundary, down to the header alone.
            for kept in 0..<(sealed.segments.count - 1) {
                let cut = sealed.header.bytes + sealed.segments[0..<kept].joined()
                Self.expectRefused(cut, key: key, original: plaintext, segmentSize: 1024, "size \(size), \(kept) segments kept")
            }
        }
    }

    @Test("truncation inside a segment or its tag is refused")
    func truncatedInsideSegment() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(3 * 1024 + 500)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        let header = sealed.header.size
        let cuts = [
            sealed.bytes.count - 1, sealed.bytes.count - 16, sealed.bytes.count - 17, sealed.bytes.count - 200,
            header + 1040 + 1, header + 1040 + 15, header + 1040 + 16, header + 1040 + 17, header + 1040 + 600,
            header + 2 * 1040 - 1, header + 1, header + 15, header + 16, header - 1, 100, 4, 0,
        ]
        for cut in cuts {
            Self.expectRefused(Array(sealed.bytes.prefix(cut)), key: key, original: plaintext, segmentSize: 1024, "cut at \(cut)")
        }
    }

    @Test("bytes appended after the last segment are refused")
    func extended() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(2048)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        for extra in [[UInt8(0)], [UInt8](repeating: 0, count: 16), sealed.segments[0], sealed.segments.last!] {
            Self.expectRefused(sealed.bytes + extra, key: key, original: plaintext, segmentSize: 1024, "\(extra.count) extra bytes")
        }
    }

    @Test("two swapped segments are refused")
    func swappedSegments() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(4 * 1024 + 10)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        for (first, second) in [(0, 1), (1, 2), (0, 3)] {
            var segments = sealed.segments
            segments.swapAt(first, second)
            let damaged = sealed.header.bytes + segments.joined()
            #expect(damaged.count == sealed.bytes.count)
            let opener = try Self.opener(damaged, key: key)
            #expect(throws: BlobStoreError.self) { _ = try Self.openSegment(opener, Int64(first), of: damaged) }
            #expect(throws: BlobStoreError.self) { _ = try Self.openSegment(opener, Int64(second), of: damaged) }
            Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024, "swap \(first) and \(second)")
        }
    }

    @Test("a segment moved in from another object of the same owner and patient key is refused")
    func segmentFromAnotherObject() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(3 * 1024 + 7)
        let target = try Self.seal(plaintext, key: key, segmentShift: 10)
        // Same owner, same patient key, same plaintext and layout: only the object differs.
        let donor = try Self.seal(plaintext, key: key, segmentShift: 10)
        for index in target.segments.indices {
            var segments = target.segments
            segments[index] = donor.segments[index]
            let damaged = target.header.bytes + segments.joined()
            let opener = try Self.opener(damaged, key: key)
            #expect(throws: BlobStoreError.self) { _ = try Self.openSegment(opener, Int64(index), of: damaged) }
            Self.expectRefused(damaged, key: key, original: plaintext, segmentSize: 1024, "segment \(index)")
        }
        // Nor does the donor's header make the target's segments open.
        let grafted = donor.header.bytes + target.segments.joined()
        Self.expectRefused(grafted, key: key, original: plaintext, segmentSize: 1024, "other header")
    }

    @Test("another patient key cannot open the object")
    func wrongPatientKey() throws {
        let plaintext = Self.pattern(1500)
        let sealed = try Self.seal(plaintext, key: SymmetricKey(size: .bits256), segmentShift: 10)
        let header = try SealedObjectHeader(parsing: sealed.bytes)
        for other in [SymmetricKey(size: .bits256), SymmetricKey(data: [UInt8](repeating: 0, count: 32))] {
            #expect(throws: BlobStoreError.self) { _ = try header.unwrapKey(with: other) }
            #expect(throws: BlobStoreError.self) {
                _ = try StreamOpener(header: header, storedSize: Int64(sealed.bytes.count), patientKey: other)
            }
            Self.expectRefused(sealed.bytes, key: other, original: plaintext, segmentSize: 1024)
        }
    }

    @Test("a segment of the wrong length or outside the object is refused")
    func segmentBounds() throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(2 * 1024 + 1)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        let opener = try Self.opener(sealed.bytes, key: key)
        let first = sealed.segments[0]
        for index: Int64 in [-1, 3, 100] {
            #expect(throws: BlobStoreError.self, "\(index)") {
                _ = try first.withUnsafeBytes { try opener.open(segment: index, $0) }
            }
        }
        #expect(throws: BlobStoreError.self) { _ = try Array(first.dropLast()).withUnsafeBytes { try opener.open(segment: 0, $0) } }
        #expect(throws: BlobStoreError.self) { _ = try (first + [0]).withUnsafeBytes { try opener.open(segment: 0, $0) } }
        // Another segment's bytes handed in as segment 0 (same length, other counter).
        #expect(throws: BlobStoreError.self) { _ = try sealed.segments[1].withUnsafeBytes { try opener.open(segment: 0, $0) } }
        #expect(try first.withUnsafeBytes { try opener.open(segment: 0, $0) } == Array(plaintext[0..<1024]))
    }

    // MARK: Ranges

    /// The segments holding `range` of a `size`-byte plaintext, computed byte by byte.
    static func coveringSegments(_ range: Range<Int64>, segmentSize: Int64) -> [Int64] {
        var segments: [Int64] = []
        for byte in range where !segments.contains(byte / segmentSize) {
            segments.append(byte / segmentSize)
        }
        return segments
    }

    @Test(
        "range helpers agree with a direct computation, and the segments they name decrypt to the range",
        arguments: [0, 1, 1023, 1024, 1025, 4096, 5000]
    )
    func rangeHelpers(size: Int) throws {
        let key = SymmetricKey(size: .bits256)
        let plaintext = Self.pattern(size, seed: 77)
        let sealed = try Self.seal(plaintext, key: key, segmentShift: 10)
        let opener = try Self.opener(sealed.bytes, key: key)
        let segmentSize: Int64 = 1024
        let stride = segmentSize + 16
        let headerSize = Int64(sealed.header.size)
        let count = max(1, (Int64(size) + segmentSize - 1) / segmentSize)
        #expect(opener.segmentCount == count)
        #expect(opener.plaintextSize == Int64(size))

        // Where each segment lies: consecutive, one stride each, the last one shorter.
        var expectedStart = headerSize
        for index in 0..<count {
            let plaintextInSegment = min(segmentSize, Int64(size) - index * segmentSize)
            let expected = expectedStart..<(expectedStart + plaintextInSegment + 16)
            #expect(opener.segmentRange(index) == expected, "segment \(index)")
            #expect(opener.segmentRange(index).count == sealed.segments[Int(index)].count)
            #expect(opener.plaintextOffset(ofSegment: index) == index * segmentSize)
            expectedStart += stride
        }
        #expect(opener.segmentRange(count - 1).upperBound == Int64(sealed.bytes.count))

        var ranges: [Range<Int64>] = [0..<0, 0..<1, 0..<Int64(size), 1023..<1025, 1024..<2048, 1024..<1024, 100..<3000, 2047..<2049]
        if size > 0 { ranges += [Int64(size - 1)..<Int64(size), 0..<Int64(size - 1)] }
        for range in ranges where range.upperBound <= Int64(size) {
            let covering = opener.segments(covering: range)
            let expected = Self.coveringSegments(range, segmentSize: segmentSize)
            #expect(Array(covering) == expected, "\(range)")
            guard Array(covering) == expected else { continue }
            // Decrypt exactly those segments and cut the range out of them.
            var bytes = [UInt8]()
            for index in covering {
                let segmentPlaintext = try Self.openSegment(opener, index, of: sealed.bytes)
                let start = opener.plaintextOffset(ofSegment: index)
                let from = Int(max(range.lowerBound, start) - start)
                let to = Int(min(range.upperBound, start + Int64(segmentPlaintext.count)) - start)
                bytes += segmentPlaintext[from..<to]
            }
            #expect(bytes == Array(plaintext[Int(range.lowerBound)..<Int(range.upperBound)]), "\(range)")
        }
    }

    @Test("the stored-size formula matches the sealer for many sizes and segment sizes")
    func storedSizeFormula() throws {
        let key = SymmetricKey(size: .bits256)
        for shift: UInt8 in [10, 11, 16] {
            let segmentSize = 1 << Int(shift)
            for size in [0, 1, segmentSize - 1, segmentSize, segmentSize + 1, 2 * segmentSize, 5 * segmentSize - 3] {
                let sealed = try Self.seal(Self.pattern(size), pieces: [777], key: key, segmentShift: shift)
                let predicted = StreamSealer.storedSize(plaintextSize: Int64(size), headerSize: sealed.header.size, segmentSize: segmentSize)
                #expect(Int64(sealed.bytes.count) == predicted, "shift \(shift), size \(size)")
                #expect(try Self.opener(sealed.bytes, key: key).plaintextSize == Int64(size))
            }
        }
    }
}
