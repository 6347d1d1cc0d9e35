import Foundation

/// Reads a ledger entry's transaction body generically, whatever its type: every string value it
/// holds, nested ones included. The content collector finds CIDs this way and the auditor's checks
/// find record ids and CIDs, so a new action is covered without anyone listing its fields.
public enum EntryBody {
    /// The string values in the body of the signed envelope `entry`; empty for entries that are
    /// not JSON envelopes (the genesis entry included) or have no body.
    public static func strings(inEntry entry: [UInt8]) -> Set<String> {
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
        case let text as String: found.insert(text)
        case let array as [Any]: for element in array { collect(element, into: &found) }
        case let object as [String: Any]: for element in object.values { collect(element, into: &found) }
        default: break
        }
    }
}
