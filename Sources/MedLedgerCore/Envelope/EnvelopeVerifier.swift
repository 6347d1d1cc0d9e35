import Crypto
import Foundation

/// Checks a submitted envelope without ledger state: size, one strict JSON reading (``IJSON``),
/// DSSE shape, a low-S signature, the ledger's origin, nonce, expiry, the body's registered type,
/// and that the body carries no field its action does not read. Pure and thread-safe, so the node
/// runs it on every core at once.
public struct EnvelopeVerifier: Sendable {
    /// Bounds on what the ledger accepts.
    public struct Limits: Sendable {
        /// Largest envelope in bytes. Entry bundles prefix entries with 16-bit lengths, so at most 65,535.
        public var maxEnvelopeBytes: Int
        /// How far past `now` an expiry may lie, in milliseconds.
        public var maxValidityMillis: Int64

        public init(maxEnvelopeBytes: Int = 32 * 1024, maxValidityMillis: Int64 = 24 * 3600 * 1000) {
            precondition(maxEnvelopeBytes <= 65_535)
            self.maxEnvelopeBytes = maxEnvelopeBytes
            self.maxValidityMillis = maxValidityMillis
        }
    }

    public let registry: TransactionTypeRegistry
    /// The checkpoint origin of the ledger; a payload naming any other is refused.
    public let origin: String
    public let limits: Limits

    public init(registry: TransactionTypeRegistry, origin: String, limits: Limits = Limits()) {
        self.registry = registry
        self.origin = origin
        self.limits = limits
    }

    /// Verifies `entry` as of `now` (Unix milliseconds).
    public func verify(_ entry: [UInt8], now: Int64) throws(EnvelopeError) -> VerifiedTransaction {
        let parsed = try parse(entry)
        guard parsed.expires >= now else { throw .expired }
        // `expires >= now`, so the difference cannot overflow.
        guard parsed.expires - now <= limits.maxValidityMillis else {
            throw .expiryTooFar(maxMillis: limits.maxValidityMillis)
        }
        return parsed
    }

    /// Everything ``verify(_:now:)`` checks except the clock: used to re-check stored entries.
    public func parse(_ entry: [UInt8]) throws(EnvelopeError) -> VerifiedTransaction {
        guard entry.count <= limits.maxEnvelopeBytes else { throw .tooLarge(limit: limits.maxEnvelopeBytes) }
        let envelope = try DSSEEnvelope.read(entry)
        guard envelope.payloadType == DSSEEnvelope.transactionPayloadType else {
            throw .unsupportedPayloadType(envelope.payloadType)
        }
        guard envelope.signatures.count == 1, let signature = envelope.signatures.first else {
            throw .malformedEnvelope("exactly one signature is required")
        }
        guard let payload = Base64Coding.decodeStandard(envelope.payload) else {
            throw .malformedEnvelope("payload is not standard base64")
        }
        let json: IJSONValue
        do { json = try IJSON.parse(payload) } catch { throw .invalidJSON("payload: \(error)") }
        guard json.object != nil else { throw .malformedPayload("not a JSON object") }
        let membersRead = IJSONMembersRead()
        let decoded: DecodedPayload
        do {
            decoded = try DecodedPayload(from: IJSONTreeDecoder(value: json, membersRead: membersRead, userInfo: [DecodedPayload.registryKey: registry]))
        } catch let error as DecodedPayload.UnknownType {
            throw .unknownTransactionType(error.type)
        } catch let error as DecodedPayload.BodyError {
            throw .invalidBody(Self.describe(error.underlying))
        } catch {
            throw .malformedPayload(Self.describe(error))
        }
        guard decoded.origin == origin else { throw .wrongOrigin(expected: origin) }
        guard let (key, address) = P256.Signing.PublicKey.parsePayloadKey(decoded.signer) else { throw .badSigner }
        if let keyid = signature.keyid, !keyid.isEmpty, keyid != address.rawValue { throw .keyIDMismatch }
        guard let sigBytes = Base64Coding.decodeStandard(signature.sig), sigBytes.count == 64,
            let ecdsa = try? P256.Signing.ECDSASignature(rawRepresentation: sigBytes)
        else { throw .badSignature }
        guard LowSSignature.isLowS(sigBytes) else { throw .nonCanonicalSignature }
        let signed = DSSEEnvelope.preAuthenticationEncoding(payloadType: envelope.payloadType, payload: payload)
        guard key.isValidSignature(ecdsa, for: signed) else { throw .badSignature }
        guard Self.isValidNonce(decoded.nonce) else { throw .badNonce }
        do {
            try decoded.body.validate(in: PayloadContext(signerKey: key, signerKeyText: decoded.signer, signer: address))
        } catch {
            throw .invalidBody(error.reason)
        }
        if let unread = membersRead.firstUnread(in: json) {
            let (place, field) = UnreadFields.describe(unread)
            throw .unknownField(place, field)
        }
        return VerifiedTransaction(
            entry: entry, leafHash: .leaf(entry), type: decoded.type, signerKey: key, signer: address,
            nonce: decoded.nonce, expires: decoded.expires, body: decoded.body
        )
    }

    static func isValidNonce(_ nonce: String) -> Bool {
        let utf8 = nonce.utf8
        guard (16...64).contains(utf8.count) else { return false }
        return utf8.allSatisfy { byte in
            (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
    }

    /// Turns a decoding error into a short phrase naming the offending field, never echoing values.
    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing field \"\(key.stringValue)\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "wrong type at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            "invalid value at \"\(context.codingPath.map(\.stringValue).joined(separator: "."))\""
        default: "not valid JSON"
        }
    }
}
