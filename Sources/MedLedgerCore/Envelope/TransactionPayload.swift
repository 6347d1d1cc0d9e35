import Foundation

/// The signed statement inside an envelope: what kind of transaction, who signs, and its body.
///
/// `origin` binds the payload to one ledger (its checkpoint origin), so an envelope signed for one
/// MedLedger cannot be replayed into another. `nonce` makes each payload unique per signer (the
/// ledger refuses a second use) and `expires` bounds how long a signed payload can be submitted,
/// so a captured envelope cannot be replayed later. `body` is interpreted by the handler
/// registered for `type`.
public struct TransactionPayload<Body: Codable & Sendable>: Codable, Sendable {
    /// The checkpoint origin of the ledger this payload is meant for.
    public var origin: String
    /// Registered transaction type, e.g. `ledger.genesis`.
    public var type: String
    /// The signer's public key: base64url of the 65-byte uncompressed P-256 point.
    public var signer: String
    /// 16 to 64 characters of `[A-Za-z0-9_-]`, unique for this signer.
    public var nonce: String
    /// Last moment the payload may be sequenced, in Unix milliseconds.
    public var expires: Int64
    public var body: Body

    public init(origin: String, type: String, signer: String, nonce: String, expires: Int64, body: Body) {
        self.origin = origin
        self.type = type
        self.signer = signer
        self.nonce = nonce
        self.expires = expires
        self.body = body
    }
}

/// A payload decoded in one pass: the header fields, then the body with the decoder registered for
/// its `type` (found through the decoder's `userInfo`).
struct DecodedPayload: Decodable {
    static let registryKey = CodingUserInfoKey(rawValue: "medledger.registry")!

    var origin: String
    var type: String
    var signer: String
    var nonce: String
    var expires: Int64
    var body: any TransactionBody

    /// Thrown for a type the registry does not know.
    struct UnknownType: Error {
        let type: String
    }

    /// Wraps an error decoding the body, so it is reported as an invalid body, not a malformed payload.
    struct BodyError: Error {
        let underlying: any Error
    }

    enum CodingKeys: String, CodingKey {
        case origin, type, signer, nonce, expires, body
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        origin = try container.decode(String.self, forKey: .origin)
        type = try container.decode(String.self, forKey: .type)
        signer = try container.decode(String.self, forKey: .signer)
        nonce = try container.decode(String.self, forKey: .nonce)
        expires = try container.decode(Int64.self, forKey: .expires)
        guard let registry = decoder.userInfo[Self.registryKey] as? TransactionTypeRegistry,
            let decodeBody = registry.bodyDecoder(for: type)
        else { throw UnknownType(type: type) }
        do {
            body = try decodeBody(try container.superDecoder(forKey: .body))
        } catch {
            throw BodyError(underlying: error)
        }
    }
}
