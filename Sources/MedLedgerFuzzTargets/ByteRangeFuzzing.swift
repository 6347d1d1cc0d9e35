import MedLedgerCore

/// Drives ``ByteRangeRequest`` with a `Range` header against several body sizes.
public enum ByteRangeFuzzing {
    /// Sizes every header is resolved against, besides the one the input spells.
    static let sizes: [Int64] = [0, 1, 100, 65_536, Int64.max - 1, Int64.max]

    /// The first 8 bytes (big endian, sign bit cleared) are a body size; the rest is the header.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        var allSizes = sizes
        var headerBytes = input[...]
        if input.count >= 8 {
            let spelled = input.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            allSizes.append(Int64(spelled & UInt64(Int64.max)))
            headerBytes = input.dropFirst(8)
        }
        let header = String(decoding: headerBytes, as: UTF8.self)
        for size in allSizes {
            let request = ByteRangeRequest(header: header, size: size)
            if case .partial(let range) = request {
                try FuzzInvariantViolation.expect(range.lowerBound >= 0, "a range starts inside the body")
                try FuzzInvariantViolation.expect(range.upperBound <= size, "a range ends inside the body")
                try FuzzInvariantViolation.expect(!range.isEmpty, "a partial range is not empty")
            }
        }
    }
}
