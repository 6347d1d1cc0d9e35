import MedLedgerCore

/// Drives ``ContentID/init(_:)``: CIDs in ledger bodies, URLs and file names.
public enum ContentIDFuzzing {
    /// Parses `input` as a CID and checks it has one spelling.
    public static func check(_ input: [UInt8]) throws(FuzzInvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        guard let cid = ContentID(text) else { return }
        try FuzzInvariantViolation.expect(cid.string == text, "a CID has one spelling")
        try FuzzInvariantViolation.expect(ContentID(cid.string) == cid, "a CID re-parses to itself")
        try FuzzInvariantViolation.expect(cid.digest.count == 32, "a CID carries a SHA2-256 digest")
        try FuzzInvariantViolation.expect(text.utf8.allSatisfy { $0 >= 0x61 && $0 <= 0x7A || $0 >= 0x32 && $0 <= 0x37 }, "a CID is safe as a file name")
    }
}
