import MedLedgerCore

/// Drives the reader of stored content objects: ``SealedObjectHeader/init(parsing:)``,
/// ``StreamOpener`` with a fixed patient key (segment layout and decryption), the legacy
/// ``SealedObject`` format, and the object's content ID (``UnixFSFileBuilder``).
public enum StoredObjectFuzzing {
    /// Segments opened per input at most, so a large input stays quick.
    static let maxSegments: Int64 = 64

    /// Treats `input` as the whole stored object.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        try contentID(of: input)
        if let legacy = try? SealedObject(bytes: input) {
            try FuzzInvariantViolation.expect(legacy.bytes == input, "a legacy object is kept as stored")
            _ = try? legacy.open(key: FuzzFixtures.patientKey, owner: FuzzFixtures.address)
        }
        guard let header = try? SealedObjectHeader(parsing: Array(input.prefix(SealedObjectHeader.maxSize))) else { return }
        try FuzzInvariantViolation.expect(header.size <= input.count, "a header lies inside the object")
        try FuzzInvariantViolation.expect(header.bytes[...] == input.prefix(header.size), "a header is the object's first bytes")
        try FuzzInvariantViolation.expect(header.segmentSize >= 1024 && header.segmentSize <= 1 << 24, "segment sizes are 1 KiB to 16 MiB")
        guard let opener = try? StreamOpener(header: header, storedSize: Int64(input.count), patientKey: FuzzFixtures.patientKey) else { return }
        try FuzzInvariantViolation.expect(opener.segmentCount >= 1, "an object has a segment")
        try FuzzInvariantViolation.expect(opener.plaintextSize >= 0, "plaintext size is not negative")
        var plaintext: Int64 = 0
        var end = Int64(header.size)
        for index in 0..<min(opener.segmentCount, maxSegments) {
            let range = opener.segmentRange(index)
            try FuzzInvariantViolation.expect(range.lowerBound == end && range.upperBound <= Int64(input.count), "segments tile the object")
            end = range.upperBound
            let sealed = Array(input[Int(range.lowerBound)..<Int(range.upperBound)])
            guard let opened = try? sealed.withUnsafeBytes({ try opener.open(segment: index, $0) }) else { return }
            try FuzzInvariantViolation.expect(opened.count == range.count - SealedObjectHeader.tagSize, "a segment's plaintext is its length less the tag")
            try FuzzInvariantViolation.expect(opener.plaintextOffset(ofSegment: index) == plaintext, "segments follow each other")
            plaintext += Int64(opened.count)
        }
        if opener.segmentCount <= maxSegments {
            try FuzzInvariantViolation.expect(plaintext == opener.plaintextSize && end == Int64(input.count), "the segments hold the whole plaintext")
            let covering = opener.segments(covering: 0..<opener.plaintextSize)
            try FuzzInvariantViolation.expect(opener.plaintextSize == 0 || covering == 0..<opener.segmentCount, "the whole plaintext needs every segment")
        }
    }

    /// The content ID does not depend on how the bytes are split across appends.
    static func contentID(of input: [UInt8]) throws(FuzzInvariantViolation) {
        let whole = UnixFSFileBuilder.contentID(of: input)
        let cut = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
        var builder = UnixFSFileBuilder()
        builder.append(contentsOf: Array(input[..<cut]))
        builder.append(contentsOf: Array(input[cut...]))
        try FuzzInvariantViolation.expect(builder.finish() == whole, "the content ID does not depend on how bytes arrive")
        try FuzzInvariantViolation.expect(ContentID(whole.string) == whole, "a computed content ID parses back")
    }
}
