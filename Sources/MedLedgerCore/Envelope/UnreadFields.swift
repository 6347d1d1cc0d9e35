/// Names fields in a signed entry that nobody reads, so no ledger entry can carry hidden data.
///
/// The payload is decoded by ``IJSONTreeDecoder``, which records every member its action's type
/// asks for; a member it never asked for is one no rule reads, and the entry is refused. That
/// includes an explicit `null` for a field the action does not know: its name alone could carry data.
enum UnreadFields {
    /// The first (in name order) member of `members` not in `known`.
    static func first(in members: [String: IJSONValue], known: Set<String>) -> String? {
        members.keys.filter { !known.contains($0) }.min().map(display)
    }

    /// Where an unread member is (`payload` or `body`) and its path as an error may show it.
    static func describe(_ path: [IJSONPathComponent]) -> (place: String, field: String) {
        var text = ""
        for (offset, component) in path.enumerated() {
            switch component {
            case .member("body") where offset == 0 && path.count > 1: text = "body"
            case .member(let name): text += (text.isEmpty ? "" : ".") + display(name)
            case .element(let index): text += "[\(index)]"
            }
        }
        return (path.count > 1 && path.first == .member("body") ? "body" : "payload", text)
    }

    /// A field name as an error may show it: plain names quoted, anything else as a placeholder
    /// (an odd name could be someone's data).
    static func display(_ key: String) -> String {
        let plain = key.utf8.count <= 40
            && key.utf8.allSatisfy { byte in
                (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "_")
            }
        return plain ? "\"\(key)\"" : "(a field with an unusual name)"
    }
}
