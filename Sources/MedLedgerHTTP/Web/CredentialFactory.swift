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
    public static func make(
        username: String, password: String, key: P256.Signing.PrivateKey, role: Role,
        iterations: Int = Credential.minimumIterations, now: Int64, hasher: AuthKeyHasher = AuthKeyHasher()
    ) throws -> Credential {
        let salt = AuthKeyHasher.randomSalt()
        let keys = try PasswordKeys(password: password, salt: salt, iterations: iterations)
        let authSalt = AuthKeyHasher.randomSalt()
        return Credential(
            username: username, address: key.publicKey.address, publicKey: key.publicKey.payloadKey, role: role, salt: Base64Coding.url(salt),
            iterations: iterations, wrappedKey: Base64Coding.url(try keys.wrap(key)), authHash: try hasher.hash(keys.authKey, salt: authSalt),
            authSalt: authSalt, createdAt: now, updatedAt: now
        )
    }

    /// Opens a wrapped key with a password (tests and the key-file checks use it).
    public static func unwrap(_ credential: Credential, password: String) throws -> P256.Signing.PrivateKey {
        try keys(for: credential, password: password).unwrap(try decoded(credential.wrappedKey), address: credential.address)
    }

    /// The authentication key a password derives for a credential (what the browser sends).
    public static func authKey(for credential: Credential, password: String) throws -> [UInt8] {
        try keys(for: credential, password: password).authKey
    }

    private static func keys(for credential: Credential, password: String) throws -> PasswordKeys {
        try PasswordKeys(password: password, salt: try decoded(credential.salt), iterations: credential.iterations)
    }

    private static func decoded(_ text: String) throws -> [UInt8] {
        guard let bytes = Base64Coding.decodeURL(text) else { throw PasswordKeysError() }
        return bytes
    }
}
