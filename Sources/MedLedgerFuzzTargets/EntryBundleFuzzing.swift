import MedLedgerCore

/// Drives ``TileRequest/unbundle(_:)``: what a client or auditor reads from `GET /tile/entries/…`.
public enum EntryBundleFuzzing {
    /// Splits `input` as an entry bundle and checks it rebuilds the same bytes.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        guard let entries = TileRequest.unbundle(input) else { return }
        try FuzzInvariantViolation.expect(entries.allSatisfy { $0.count <= 0xFFFF }, "entries fit a 16-bit length")
        try FuzzInvariantViolation.expect(TileRequest.bundle(entries) == input, "a bundle has one spelling")
    }
}
