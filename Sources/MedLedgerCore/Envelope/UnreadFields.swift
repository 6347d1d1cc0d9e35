import Foundation

/// Finds fields in a signed body that nobody reads, so no ledger entry can carry hidden data.
///
/// A body is read by its action's `Decodable` type; writing the decoded value back out gives every
/// field that type keeps. A field sent but absent from that read-back is one the action ignores,
/// and the entry is refused. That includes an explicit `null`: its name alone could carry data, and
/// an absent optional field means the same to every reader.
enum UnreadFields {
    /// The first (in name order) member of `members` not in `known`.
    static func first(in members: [String: IJSONValue], known: Set<String>) -> String? {
        members.keys.filter { !known.contains($0) }.min().map(display)
    }

    /// The path of the first field of `sent` that `body` does not keep; nil when it keeps them all.
    static func first(in sent: IJSONValue, readBy body: any TransactionBody) -> String? {
        // An empty body has nothing to hide; most reads and every ping send one.
        if case .object(let members) = sent, members.isEmpty { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        // Re-encoding a value that was just decoded from I-JSON cannot fail or break I-JSON; if it
        // ever did, the body is refused rather than admitted unchecked.
        guard let data = try? encoder.encode(body), let readBack = try? IJSON.parse(Array(data)) else { return "body" }
        return first(in: sent, readBack: readBack, path: "body")
    }

    private static func first(in sent: IJSONValue, readBack: IJSONValue, path: String) -> String? {
        switch (sent, readBack) {
        case (.object(let members), .object(let kept)):
            let unread = members.keys.filter { kept[$0] == nil }.min()
            if let unread { return path + "." + display(unread) }
            for key in members.keys.sorted() {
                guard let value = members[key], let keptValue = kept[key] else { continue }
                if let found = first(in: value, readBack: keptValue, path: path + "." + display(key)) { return found }
            }
            return nil
        case (.array(let elements), .array(let kept)) where elements.count == kept.count:
            for (offset, pair) in zip(elements, kept).enumerated() {
                if let found = first(in: pair.0, readBack: pair.1, path: "\(path)[\(offset)]") { return found }
            }
            return nil
        default:
            return nil
        }
    }

    /// A field name as an error may show it: plain names as they are, anything else as a placeholder
    /// (an odd name could be someone's data).
    private static func display(_ key: String) -> String {
        let plain = key.utf8.count <= 40
            && key.utf8.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
            }
        return plain ? "\"\(key)\"" : "(a field with an unusual name)"
    }
}
