/// A patient's profile whose name a ``ViewNames`` read may show: the account, the CID of its
/// encrypted profile and how much of it the reader's role may see. The node decrypts the profile,
/// applies the disclosure and keeps only the `name` field.
public struct PatientName: Codable, Sendable, Equatable {
    public var account: Account
    public var content: String
    public var disclosure: ProfileDisclosure

    public init(account: Account, content: String, disclosure: ProfileDisclosure) {
        self.account = account
        self.content = content
        self.disclosure = disclosure
    }
}
