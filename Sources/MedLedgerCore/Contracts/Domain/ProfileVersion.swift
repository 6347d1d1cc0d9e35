/// One saved version of an account's encrypted profile. A profile is never overwritten in place:
/// each `profile.update` adds a version, so the owner can see what their profile said before and
/// the content store keeps every version the ledger named.
public struct ProfileVersion: Codable, Sendable, Equatable {
    /// 1 for the first profile, then counting up.
    public var number: Int
    /// CID of the encrypted document.
    public var content: String
    /// The ledger entry that saved it.
    public var entry: UInt64
    /// When that entry was sequenced (Unix milliseconds); nil for the profile an account was
    /// created with before versions were kept.
    public var time: Int64?

    public init(number: Int, content: String, entry: UInt64, time: Int64?) {
        self.number = number
        self.content = content
        self.entry = entry
        self.time = time
    }
}
