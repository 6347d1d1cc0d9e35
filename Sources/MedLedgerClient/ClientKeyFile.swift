import Crypto
import Foundation
import MedLedgerCore

/// The JSON key file `medledger keys` writes for scripts and tests: a P-256 signing key.
///
/// People's keys are made and kept in their browser; this file exists for automation only.
public struct ClientKeyFile: Codable, Sendable {
    public static let kind = "medledger-p256-signing-key"

    public var kind: String
    /// Base64url of the 32-byte private scalar.
    public var privateKey: String
    /// Base64url of the 65-byte uncompressed public point.
    public var publicKey: String
    public var address: String

    public init(key: P256.Signing.PrivateKey) {
        self.kind = Self.kind
        self.privateKey = Base64Coding.url(key.rawRepresentation)
        self.publicKey = key.publicKey.payloadKey
        self.address = key.publicKey.address.rawValue
    }

    /// The signing key, after checking that the file's public key and address match it.
    public func signingKey() throws -> P256.Signing.PrivateKey {
        guard kind == Self.kind, let raw = Base64Coding.decodeURL(privateKey) else {
            throw KeyFileError("not a MedLedger P-256 key file")
        }
        let key = try P256.Signing.PrivateKey(rawRepresentation: raw)
        guard key.publicKey.payloadKey == publicKey, key.publicKey.address.rawValue == address else {
            throw KeyFileError("the key file's public key does not match its private key")
        }
        return key
    }
}

/// A key file that cannot be used.
public struct KeyFileError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
