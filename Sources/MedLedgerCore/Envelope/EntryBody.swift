/// Reads a ledger entry's transaction body generically, whatever its type: every string value it
/// holds, nested ones included. The content collector finds CIDs this way and the auditor's checks
/// find record ids and CIDs, so a new action is covered without anyone listing its fields.
public enum EntryBody {
    /// The string values in the body of the signed envelope `entry`; empty for entries that are
    /// not I-JSON envelopes or have no body. It reads through ``IJSON``, the same strict reading the
    /// contracts' admission uses, so a text with two meanings never reaches this point.
    public static func strings(inEntry entry: [UInt8]) -> Set<String> {
        guard let envelope = try? DSSEEnvelope.read(entry),
            let payload = Base64Coding.decodeStandard(envelope.payload),
            let body = (try? IJSON.parse(payload))?.object?["body"]
        else { return [] }
        var found: Set<String> = []
        body.collectStrings(into: &found)
        return found
    }
}
