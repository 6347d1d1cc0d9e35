import Foundation

/// What a client's HTTP `Range` header asks of a body of known size (RFC 9110 §14).
///
/// Only one `bytes=` range is honoured; anything else (no header, another unit, several ranges, a
/// malformed or backwards range) is answered with the whole body, which RFC 9110 allows, so a
/// strange header never fails a download. A range that starts past the end is unsatisfiable (416).
///
/// The numbers are the client's: every bound is computed with checks, so no value the header can
/// spell (`bytes=0-9223372036854775807`, `bytes=-99999999999999999999`, …) traps, and a partial
/// range always lies inside `0..<size`. Pure, so the HTTP layer and the fuzzers share it.
public enum ByteRangeRequest: Sendable, Equatable {
    /// No usable range: serve everything (200).
    case whole
    /// Serve these bytes (206); non-empty and within `0..<size`.
    case partial(Range<Int64>)
    /// The range starts at or past the end, or asks for the last zero bytes (416).
    case unsatisfiable

    /// Parses a `Range` header value (nil when absent) against a body of `size` bytes.
    public init(header: String?, size: Int64) {
        guard let header, header.hasPrefix("bytes=") else {
            self = .whole
            return
        }
        let spec = header.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(",") else {
            self = .whole
            return
        }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            self = .whole
            return
        }
        let first = parts[0].trimmingCharacters(in: .whitespaces)
        let last = parts[1].trimmingCharacters(in: .whitespaces)
        self = Self.resolve(first: first, last: last, size: size)
    }

    private static func resolve(first: String, last: String, size: Int64) -> ByteRangeRequest {
        if first.isEmpty {
            // A suffix: the last N bytes. `size - count` cannot overflow: both are non-negative.
            guard let count = Int64(last), count > 0 else { return last.isEmpty ? .whole : .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - count)..<size)
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .partial(start..<size) }
        guard let end = Int64(last), end >= start else { return .whole }
        // Clamp the client's end to the last byte before adding one, so Int64.max cannot overflow.
        return .partial(start..<(min(end, size - 1) + 1))
    }
}
