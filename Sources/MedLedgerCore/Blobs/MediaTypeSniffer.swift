/// Recognises the few file kinds MedLedger stores from their first bytes, so a declared upload
/// type can be checked against the content and documents stored without one get a sensible type.
public enum MediaTypeSniffer {
    /// The types an upload may declare.
    public static let accepted: Set<String> = [
        "application/pdf", "image/png", "image/jpeg", "text/plain", "application/json", "application/dicom",
    ]

    /// The media type the bytes look like; `application/octet-stream` when none fits.
    public static func mediaType(of prefix: [UInt8]) -> String {
        if prefix.starts(with: Array("%PDF-".utf8)) { return "application/pdf" }
        if prefix.starts(with: [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "image/png" }
        if prefix.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if prefix.count >= 132, Array(prefix[128..<132]) == Array("DICM".utf8) { return "application/dicom" }
        if isText(prefix) {
            let first = prefix.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 })
            return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? "application/json" : "text/plain"
        }
        return "application/octet-stream"
    }

    /// True when `declared` (parameters such as `; charset=` ignored) is accepted and the content's
    /// first bytes agree with it. Text types accept any UTF-8 without NUL bytes (a cut multi-byte
    /// character at the end of the prefix is allowed).
    public static func matches(declared: String, prefix: [UInt8]) -> Bool {
        let type = essence(declared)
        guard accepted.contains(type) else { return false }
        switch type {
        case "text/plain", "application/json": return isText(prefix)
        default: return mediaType(of: prefix) == type
        }
    }

    /// The media type without parameters, in lower case.
    public static func essence(_ declared: String) -> String {
        String(declared.split(separator: ";", maxSplits: 1).first ?? "").trimmingWhitespace().lowercased()
    }

    private static func isText(_ bytes: [UInt8]) -> Bool {
        guard !bytes.contains(0) else { return false }
        if String(validating: bytes, as: UTF8.self) != nil { return true }
        // The prefix may end inside a multi-byte character: allow only the start of one (a lead
        // byte and fewer continuation bytes than it announces), nothing else.
        guard let lead = bytes.lastIndex(where: { $0 & 0xC0 != 0x80 }), bytes.count - lead <= 3 else { return false }
        let expected = bytes[lead] >= 0xF0 ? 4 : bytes[lead] >= 0xE0 ? 3 : bytes[lead] >= 0xC0 ? 2 : 1
        guard expected > bytes.count - lead, bytes[lead] >= 0xC2, bytes[lead] <= 0xF4 else { return false }
        return String(validating: bytes[..<lead], as: UTF8.self) != nil
    }
}

extension StringProtocol {
    fileprivate func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
