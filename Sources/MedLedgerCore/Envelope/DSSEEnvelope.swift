import Foundation

/// A Dead Simple Signing Envelope (DSSE v1) as the ledger stores it.
///
/// The signature covers `PAE(payloadType, payload)`, so the exact payload bytes are signed and no
/// JSON canonicalisation is ever needed; the envelope is kept byte for byte as it was submitted.
public struct DSSEEnvelope: Sendable, Equatable, Codable {
    /// One signature: `sig` is the 64-byte IEEE P1363 `r‖s` form WebCrypto's ECDSA produces.
    public struct Signature: Sendable, Equatable, Codable {
        public var keyid: String?
        public var sig: String

        public init(keyid: String?, sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    public var payloadType: String
    /// Standard base64 of the payload bytes.
    public var payload: String
    public var signatures: [Signature]

    public init(payloadType: String, payload: String, signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }

    /// The media type of MedLedger transaction payloads.
    public static let transactionPayloadType = "application/vnd.medledger.tx+json"

    /// DSSE's pre-authentication encoding: `"DSSEv1" SP len(type) SP type SP len(body) SP body`.
    public static func preAuthenticationEncoding(payloadType: String, payload: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        let type = Array(payloadType.utf8)
        out.reserveCapacity(32 + type.count + payload.count)
        out += Array("DSSEv1 \(type.count) ".utf8)
        out += type
        out += Array(" \(payload.count) ".utf8)
        out += payload
        return out
    }

    /// Serialises with sorted keys and no extra whitespace, for clients built on this package.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Encoding plain strings cannot fail.
        return [UInt8]((try? encoder.encode(self)) ?? Data())
    }
}
