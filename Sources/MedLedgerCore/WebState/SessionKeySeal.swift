import Crypto
import Foundation

/// Seals a web session's private key (the server's short-lived delegated read key) before it
/// leaves the process for a shared database, and opens it when a node loads the session.
///
/// AES-256-GCM under a key derived with HKDF-SHA256 from the web secret every node shares
/// (`WebConfiguration.secret`) and a fixed info string, with the session's account address as
/// authenticated data. A database row alone therefore yields no usable key: opening it needs the
/// secret, and a sealed key moved to another account's row does not open.
public struct SessionKeySeal: Sendable {
    private let key: SymmetricKey

    /// The info string that separates this use of the web secret from every other.
    public static let info = Array("medledger web session key seal v1".utf8)

    public init(secret: SymmetricKey) {
        key = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Self.info, outputByteCount: 32)
    }

    /// The sealed key: nonce, ciphertext and tag.
    public func seal(_ privateKey: P256.Signing.PrivateKey, account: AccountAddress) throws -> [UInt8] {
        let box = try AES.GCM.seal(privateKey.rawRepresentation, using: key, authenticating: Array(account.rawValue.utf8))
        guard let combined = box.combined else { throw SessionKeySealError.unopenable }
        return Array(combined)
    }

    /// Opens a sealed key; throws ``SessionKeySealError/unopenable`` when it was sealed under
    /// another secret, for another account, or altered.
    public func open(_ sealed: [UInt8], account: AccountAddress) throws -> P256.Signing.PrivateKey {
        do {
            let box = try AES.GCM.SealedBox(combined: sealed)
            let raw = try AES.GCM.open(box, using: key, authenticating: Array(account.rawValue.utf8))
            return try P256.Signing.PrivateKey(rawRepresentation: raw)
        } catch {
            throw SessionKeySealError.unopenable
        }
    }
}

/// A sealed session key that does not open with this node's web secret.
public enum SessionKeySealError: Error, Sendable, Equatable {
    case unopenable
}
