/// What the decrypted content of a record version tells a resource: its media type and size, the
/// SHA-1 of its plaintext (FHIR's `Attachment.hash`) and its text when it is short plain text.
/// Only a read that decrypted the content has these; a search, which never decrypts, has none,
/// and the resources then leave the elements out rather than guess.
public struct FHIRContentFacts: Sendable, Equatable {
    public var contentType: String
    public var size: Int64
    /// Base64 of the SHA-1 of the plaintext, when the plaintext was read.
    public var sha1: String?
    /// The content as text, when it is `text/plain` and at most ``textLimit`` bytes.
    public var text: String?

    /// The longest text content put into a resource's text element.
    public static let textLimit = 4096

    public init(contentType: String, size: Int64, sha1: String? = nil, text: String? = nil) {
        self.contentType = contentType
        self.size = size
        self.sha1 = sha1
        self.text = text
    }
}
