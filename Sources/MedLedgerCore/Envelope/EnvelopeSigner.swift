import Crypto
import Foundation

/// Builds signed envelopes with a P-256 key, exactly as the browser does with WebCrypto.
///
/// Used by the CLI, benchmarks and tests; in production the user's browser signs and the server
/// never sees the private key.
public struct EnvelopeSigner: Sendable {
    public let key: P256.Signing.PrivateKey
    /// The checkpoint origin of the ledger every payload is signed for.
    public let origin: String

    public init(key: P256.Signing.PrivateKey, origin: String) {
        self.key = key
        self.origin = origin
    }

    /// The signer's public key in payload form.
    public var payloadKey: String { key.publicKey.payloadKey }
    public var address: AccountAddress { key.publicKey.address }

    /// A fresh random nonce of 22 base64url characters (128 bits).
    public static func randomNonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64Coding.url((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// Signs a payload and returns the envelope bytes.
    public func sign<Body: TransactionBody>(
        _ body: Body, nonce: String = EnvelopeSigner.randomNonce(), expires: Int64
    ) throws -> [UInt8] {
        try sign(type: Body.transactionType, body: body, nonce: nonce, expires: expires)
    }

    /// Signs a payload whose body is given as any codable value (the web pages' read bodies come
    /// from JSON page tables); the node checks it against `type` like any other.
    public func sign<Body: Codable & Sendable>(
        type: String, body: Body, nonce: String = EnvelopeSigner.randomNonce(), expires: Int64
    ) throws -> [UInt8] {
        let payload = TransactionPayload(origin: origin, type: type, signer: payloadKey, nonce: nonce, expires: expires, body: body)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try signPayloadBytes([UInt8](encoder.encode(payload)))
    }

    /// Signs arbitrary payload bytes (tests use this to build malformed payloads). The signature is
    /// in its low-S form, the only one the ledger accepts.
    public func signPayloadBytes(_ payload: [UInt8], payloadType: String = DSSEEnvelope.transactionPayloadType) throws -> [UInt8] {
        let pae = DSSEEnvelope.preAuthenticationEncoding(payloadType: payloadType, payload: payload)
        let signature = LowSSignature.normalized(Array(try key.signature(for: pae).rawRepresentation))
        let envelope = DSSEEnvelope(
            payloadType: payloadType,
            payload: Base64Coding.standard(payload),
            signatures: [.init(keyid: address.rawValue, sig: Base64Coding.standard(signature))]
        )
        return envelope.encoded()
    }
}
