/// Why a submitted envelope was refused. Each case has a stable machine code and a plain message.
public enum EnvelopeError: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    case tooLarge(limit: Int)
    case malformedEnvelope(String)
    case unsupportedPayloadType(String)
    case malformedPayload(String)
    /// The envelope or payload is not I-JSON (RFC 7493); the text says which rule it broke.
    case invalidJSON(String)
    /// A field nobody reads: (where, the field's path or a placeholder for an odd name).
    case unknownField(String, String)
    /// The payload names another ledger's origin.
    case wrongOrigin(expected: String)
    /// A high-S signature: valid, but not the one form the ledger accepts.
    case nonCanonicalSignature
    case badSigner
    case keyIDMismatch
    case badSignature
    case badNonce
    case expired
    case expiryTooFar(maxMillis: Int64)
    case unknownTransactionType(String)
    case invalidBody(String)
    case replayed
    case rejected(String)
    /// A kind only the node's service key may sign (the type), signed by another key.
    case operatorOnly(String)

    /// Stable identifier for clients.
    public var code: String {
        switch self {
        case .tooLarge: "envelope_too_large"
        case .malformedEnvelope: "malformed_envelope"
        case .unsupportedPayloadType: "unsupported_payload_type"
        case .malformedPayload: "malformed_payload"
        case .invalidJSON: "invalid_json"
        case .unknownField: "unknown_field"
        case .wrongOrigin: "wrong_origin"
        case .nonCanonicalSignature: "non_canonical_signature"
        case .badSigner: "bad_signer"
        case .keyIDMismatch: "keyid_mismatch"
        case .badSignature: "bad_signature"
        case .badNonce: "bad_nonce"
        case .expired: "expired"
        case .expiryTooFar: "expiry_too_far"
        case .unknownTransactionType: "unknown_transaction_type"
        case .invalidBody: "invalid_body"
        case .replayed: "replayed_nonce"
        case .rejected: "rejected"
        case .operatorOnly: "operator_only"
        }
    }

    public var description: String {
        switch self {
        case .tooLarge(let limit): "The envelope is larger than \(limit) bytes."
        case .malformedEnvelope(let why): "The envelope is not valid DSSE JSON: \(why)."
        case .unsupportedPayloadType(let type): "Payload type \"\(type)\" is not accepted; use \(DSSEEnvelope.transactionPayloadType)."
        case .malformedPayload(let why): "The payload is not a valid transaction: \(why)."
        case .invalidJSON(let why): "The entry is not I-JSON (RFC 7493): \(why)."
        case .unknownField(let place, let field): "The \(place) carries a field this action does not read: \(field)."
        case .wrongOrigin(let expected): "The payload is signed for another ledger; this ledger's origin is \"\(expected)\"."
        case .nonCanonicalSignature: "The signature is not in its low-S form (s must be at most n/2); normalise it and sign again."
        case .badSigner: "The payload's signer is not a base64url uncompressed P-256 public key."
        case .keyIDMismatch: "The signature's keyid is not the signer's account address."
        case .badSignature: "The signature does not verify with the signer's key."
        case .badNonce: "The nonce must be 16 to 64 characters of A-Z, a-z, 0-9, '-' or '_'."
        case .expired: "The payload has expired."
        case .expiryTooFar(let max): "The payload's expiry is more than \(max / 1000) seconds ahead."
        case .unknownTransactionType(let type): "Transaction type \"\(type)\" is not known to this ledger."
        case .invalidBody(let why): "The transaction body is invalid: \(why)."
        case .replayed: "This signer has already used this nonce."
        case .rejected(let why): why
        case .operatorOnly(let type): "Only the node's operator appends \(type) entries; they must be signed with the node's service key."
        }
    }
}
