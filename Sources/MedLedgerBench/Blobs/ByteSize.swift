import Crypto
import Foundation
import MedLedgerCore
import MedLedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// A byte count given on the command line: a number, optionally with a decimal (kB, MB, GB) or
/// binary (KiB, MiB, GiB) suffix, because 1 GB objects are easier to ask for than 1000000000.
public struct ByteSize: CustomStringConvertible, Sendable {
    public let bytes: Int64

    public init(_ bytes: Int64) { self.bytes = bytes }

    /// Parses `1.5GB`, `64 MiB`, `1_000_000`; nil for anything else, negative or beyond a petabyte.
    public init?(text argument: String) {
        let text = argument.replacingOccurrences(of: "_", with: "").lowercased()
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("kb", 1e3), ("mb", 1e6), ("gb", 1e9),
            ("k", 1e3), ("m", 1e6), ("g", 1e9), ("b", 1),
        ]
        var number = Substring(text)
        var multiplier = 1.0
        for (suffix, value) in units where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            multiplier = value
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value >= 0 else { return nil }
        let bytes = value * multiplier
        guard bytes == bytes.rounded(), bytes < 1e15 else { return nil }
        self.bytes = Int64(bytes)
    }

    /// Decimal units where the count is round in them, binary ones where that is round, else bytes.
    public var description: String {
        let units: [(String, Int64)] = [("GB", 1_000_000_000), ("GiB", 1 << 30), ("MB", 1_000_000), ("MiB", 1 << 20), ("kB", 1_000), ("KiB", 1024)]
        for (name, unit) in units where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit) \(name)"
        }
        return "\(bytes) B"
    }
}
