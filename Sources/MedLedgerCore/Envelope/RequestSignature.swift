import Crypto
import Foundation

/// Authenticates an HTTP request that is not itself a ledger transaction (uploading ciphertext):
/// the caller signs the method, path, time and body hash with their account key.
///
/// Header: `Authorization: MedLedger key="<base64url point>", time="<ms>", sig="<base64url r‖s>"`.
/// The signed text is `medledger-request-v1\n<METHOD>\n<path?query>\n<time>\n<hex SHA-256 of body>`.
/// The time bounds replay to a short window; a request body cannot be swapped under a signature.
public struct RequestSignature: Sendable, Equatable {
    public let key: String
    public let time: Int64
    public let signature: String

    /// How far a request's time may be from the server's clock.
    public static let maxSkewMillis: Int64 = 5 * 60 * 1000

    public init(key: String, time: Int64, signature: String) {
        self.key = key
        self.time = time
        self.signature = signature
    }

    /// The exact text that is signed.
    public static func message(method: String, target: String, time: Int64, body: [UInt8]) -> [UInt8] {
        message(method: method, target: target, time: time, bodyDigest: Hex.encode(Array(SHA256.hash(data: body))))
    }

    /// The signed text for a body whose hex SHA-256 is already known (a streamed upload hashes as it goes).
    public static func message(method: String, target: String, time: Int64, bodyDigest: String) -> [UInt8] {
        Array("medledger-request-v1\n\(method.uppercased())\n\(target)\n\(time)\n\(bodyDigest)".utf8)
    }

    /// Signs a request.
    public static func sign(method: String, target: String, time: Int64, body: [UInt8], with key: P256.Signing.PrivateKey) throws -> RequestSignature {
        let signature = try key.signature(for: message(method: method, target: target, time: time, body: body))
        let raw = LowSSignature.normalized(Array(signature.rawRepresentation))
        return RequestSignature(key: key.publicKey.payloadKey, time: time, signature: Base64Coding.url(raw))
    }

    /// The `Authorization` header value.
    public var header: String { #"MedLedger key="\#(key)", time="\#(time)", sig="\#(signature)""# }

    /// Parses an `Authorization` header value; nil when it is not this scheme.
    public static func parse(header: String) -> RequestSignature? {
        guard header.hasPrefix("MedLedger ") else { return nil }
        var fields: [String: String] = [:]
        for part in header.dropFirst("MedLedger ".count).split(separator: ",") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            guard let equals = pair.firstIndex(of: "=") else { return nil }
            var value = pair[pair.index(after: equals)...]
            guard value.count >= 2, value.first == "\"", value.last == "\"" else { return nil }
            value = value.dropFirst().dropLast()
            fields[String(pair[..<equals])] = String(value)
        }
        guard fields.count == 3, let key = fields["key"], let timeText = fields["time"], let time = Int64(timeText),
            let signature = fields["sig"]
        else { return nil }
        return RequestSignature(key: key, time: time, signature: signature)
    }

    /// Whether the signed time lies within ``maxSkewMillis`` of `now`. The time is the client's
    /// number, so the distance is computed without overflow whatever it is.
    public func isFresh(now: Int64) -> Bool {
        let (distance, overflow) = now.subtractingReportingOverflow(time)
        return !overflow && distance.magnitude <= UInt64(Self.maxSkewMillis)
    }

    /// The address of the key the request names, or nil when it is not a valid P-256 key; lets a
    /// server refuse a malformed header before reading a large body.
    public var signer: AccountAddress? { P256.Signing.PublicKey.parsePayloadKey(key)?.1 }

    /// Checks the signature over the request at `now`; returns the signer's address.
    public func verify(method: String, target: String, body: [UInt8], now: Int64) throws(RequestSignatureError) -> AccountAddress {
        try verify(method: method, target: target, bodyDigest: Hex.encode(Array(SHA256.hash(data: body))), now: now)
    }

    /// Checks the signature over a request whose body hashed to `bodyDigest` (lower-case hex).
    public func verify(method: String, target: String, bodyDigest: String, now: Int64) throws(RequestSignatureError) -> AccountAddress {
        guard isFresh(now: now) else { throw .stale }
        guard let (publicKey, address) = P256.Signing.PublicKey.parsePayloadKey(key) else { throw .badKey }
        guard let raw = Base64Coding.decodeURL(signature), raw.count == 64, LowSSignature.isLowS(raw),
            let parsed = try? P256.Signing.ECDSASignature(rawRepresentation: raw),
            publicKey.isValidSignature(parsed, for: Self.message(method: method, target: target, time: time, bodyDigest: bodyDigest))
        else { throw .badSignature }
        return address
    }
}

/// Why a signed request was refused.
public enum RequestSignatureError: Error, Sendable, Equatable, CustomStringConvertible {
    case missing
    case stale
    case badKey
    case badSignature

    public var description: String {
        switch self {
        case .missing: "This request must carry an Authorization: MedLedger header signed with your account key."
        case .stale: "The request's signed time is more than five minutes from the server's clock."
        case .badKey: "The request's key is not a base64url uncompressed P-256 public key."
        case .badSignature: "The request's signature does not verify."
        }
    }
}
