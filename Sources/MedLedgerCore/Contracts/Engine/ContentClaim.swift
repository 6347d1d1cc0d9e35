/// New content a write names: one CID, the account whose key must seal it, and what it becomes.
///
/// Content is bound to its owner, author and purpose. A write may name only content that is not
/// yet part of any record version, profile, certificate or other document in the state
/// (``ContractState/contentDenial(_:)``, which the engine applies before every write), so a
/// narrow grant can never be stretched over another record's content by naming its CID. Before
/// sequencing, the node also checks in the content store that each claimed object was sealed for
/// `owner` and uploaded by the signer (``BlobMetadata/uploader``); the contracts cannot see the
/// store, but they decide the part that makes content readable.
public struct ContentClaim: Sendable, Equatable {
    /// The body field that names the content, e.g. `content` or `profile`.
    public let field: String
    /// The CID of the ciphertext.
    public let cid: String
    /// The account whose key the object must be sealed under: the patient for health content,
    /// the account itself for a professional's profile or certificate.
    public let owner: AccountAddress
    /// The record the content becomes a version of, if any: a refusal then lands on its trail.
    public let record: String?
    /// Besides the account the write acts for, who else may have uploaded the object: the new
    /// account itself for the documents an administrator's `account.create` names (a professional
    /// uploads their own certificate at sign-up).
    public let alsoUploadedBy: AccountAddress?

    public init(field: String, cid: String, owner: AccountAddress, record: String? = nil, alsoUploadedBy: AccountAddress? = nil) {
        self.field = field
        self.cid = cid
        self.owner = owner
        self.record = record
        self.alsoUploadedBy = alsoUploadedBy
    }
}
