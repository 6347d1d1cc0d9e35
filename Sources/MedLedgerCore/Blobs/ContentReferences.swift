/// Finds the CIDs a ledger entry names, whatever its transaction type.
///
/// Any string in a transaction's body that parses as a CID is a reference: bodies name content
/// only by CID, and reading them generically (``EntryBody``) means a new action that carries
/// content is covered without anyone remembering to list its fields. A false positive only keeps
/// an object longer.
public enum ContentReferences {
    /// The CIDs in the body of the signed envelope `entry`; empty for entries that are not JSON
    /// envelopes (the genesis entry included).
    public static func contentIDs(inEntry entry: [UInt8]) -> Set<String> {
        EntryBody.strings(inEntry: entry).filter { $0.first == "b" && $0.count >= 50 && ContentID($0) != nil }
    }
}
