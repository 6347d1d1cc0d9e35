import Foundation

/// Finds the CIDs a ledger entry names, whatever its transaction type.
///
/// Any string in a transaction's body that parses as a CID is a reference: bodies name content
/// only by CID, and reading them generically means a new action that carries content is covered
/// without anyone remembering to list its fields. A false positive only keeps an object longer.
public enum ContentReferences {
    /// The CIDs in the body of the signed envelope `entry`; empty for entries that are not JSON
    /// envelopes (the genesis entry included).
    public static func contentIDs(inEntry entry: [UInt8]) -> Set<String> {
        guard let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: Data(entry)),
            let payload = Base64Coding.decodeStandard(envelope.payload) ?? Base64Coding.decodeURL(envelope.payload),
            let object = try? JSONSerialization.jsonObject(with: Data(payload)) as? [String: Any],
            let body = object["body"]
        else { return [] }
        var found: Set<String> = []
        collect(body, into: &found)
        return found
    }

    private static func collect(_ value: Any, into found: inout Set<String>) {
        switch value {
        case let text as String:
            if text.first == "b", text.count >= 50, ContentID(text) != nil { found.insert(text) }
        case let array as [Any]:
            for element in array { collect(element, into: &found) }
        case let object as [String: Any]:
            for element in object.values { collect(element, into: &found) }
        default:
            break
        }
    }
}
