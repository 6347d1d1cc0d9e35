import Foundation

/// The signed statement inside an envelope: what kind of transaction, who signs, and its body.
///
/// `nonce` makes each payload unique per signer (the ledger refuses a second use) and `expires`
/// bounds how long a signed payload can be submitted, so a captured envelope cannot be replayed
/// later. `body` is interpreted by the handler registered for `type`.
public struct TransactionPayload<Body: Codable & Sendable>: Codable, Sendable {
    /// Registered transaction type, e.g. `ledger.genesis`.
    public var type: String
    /// The signer's public key: base64url of the 65-byte uncompressed P-256 point.
    public var signer: String
    /// 16 to 64 characters of `[A-Za-z0-9_-]`, unique for this signer.
    public var nonce: String
    /// Last moment the payload may be sequenced, in Unix milliseconds.
    public var expires: Int64
    public var body: Body

    public init(type: String, signer: String, nonce: String, expires: Int64, body: Body) {
        self.type = type
        self.signer = signer
        self.nonce = nonce
        self.expires = expires
        self.body = body
    }
}

/// The header fields every payload shares, decoded before the body's type is known.
struct PayloadHeader: Decodable {
    var type: String
    var signer: String
    var nonce: String
    var expires: Int64
}
