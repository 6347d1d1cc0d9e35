import Crypto
import CryptoExtras
import Foundation
import MedLedgerCore

/// Makes a password credential for a key the operator holds, exactly as the browser does at
/// sign-up (docs/WEB.md): the demo accounts and `medledger passwd` use it. The password and the
/// unwrapped key stay in this process. The iteration count is the caller's: the sign-up and
/// password routes refuse fewer than ``Credential/minimumIterations`` from browsers, and only tests
/// pass fewer here (hence swift-crypto's unchecked-rounds call).
public enum CredentialFactory {
    /// The additional data the wrapped key is bound to.
    static func wrappingContext(_ address: AccountAddress) -> [UInt8] { Array("medledger-key-v1:\(address)".utf8) }

    public static func make(
        username: String, password: String, key: P256.Signing.PrivateKey, role: Role,
        iterations: Int = Credential.minimumIterations, now: Int64, hasher: AuthKeyHasher = AuthKeyHasher()
    ) throws -> Credential {
        let salt = AuthKeyHasher.randomSalt()
        let bits = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 64, unsafeUncheckedRounds: iterations
        ).withUnsafeBytes { Array($0) }
        let wrappingKey = SymmetricKey(data: bits[0..<32])
        let authKey = Array(bits[32..<64])
        let address = key.publicKey.address
        let sealed = try AES.GCM.seal(key.derRepresentation, using: wrappingKey, authenticating: wrappingContext(address))
        guard let wrapped = sealed.combined else { throw CredentialFactoryError() }
        let authSalt = AuthKeyHasher.randomSalt()
        return Credential(
            username: username, address: address, publicKey: key.publicKey.payloadKey, role: role, salt: Base64Coding.url(salt),
            iterations: iterations, wrappedKey: Base64Coding.url(Array(wrapped)), authHash: try hasher.hash(authKey, salt: authSalt),
            authSalt: authSalt, createdAt: now, updatedAt: now
        )
    }

    /// Opens a wrapped key with a password (tests and the key-file checks use it).
    public static func unwrap(_ credential: Credential, password: String) throws -> P256.Signing.PrivateKey {
        guard let salt = Base64Coding.decodeURL(credential.salt), let wrapped = Base64Coding.decodeURL(credential.wrappedKey) else {
            throw CredentialFactoryError()
        }
        let bits = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 64, unsafeUncheckedRounds: credential.iterations
        ).withUnsafeBytes { Array($0) }
        let box = try AES.GCM.SealedBox(combined: wrapped)
        let der = try AES.GCM.open(box, using: SymmetricKey(data: bits[0..<32]), authenticating: wrappingContext(credential.address))
        return try P256.Signing.PrivateKey(derRepresentation: der)
    }

    /// The authentication key a password derives for a credential (what the browser sends).
    public static func authKey(for credential: Credential, password: String) throws -> [UInt8] {
        guard let salt = Base64Coding.decodeURL(credential.salt) else { throw CredentialFactoryError() }
        return try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 64, unsafeUncheckedRounds: credential.iterations
        ).withUnsafeBytes { Array($0[32..<64]) }
    }
}

/// A credential could not be made or opened.
public struct CredentialFactoryError: Error, CustomStringConvertible {
    public var description: String { "The key could not be wrapped or unwrapped with this password." }
}
