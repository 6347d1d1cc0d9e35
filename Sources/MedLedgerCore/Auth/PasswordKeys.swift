import Crypto
import CryptoExtras

/// The two keys a password gives, exactly as the browser derives them (static/js/ledger.js,
/// `deriveKeys`): PBKDF2-HMAC-SHA256 over the credential's salt to 64 bytes, the first half an
/// AES-256-GCM key that wraps the account's signing key, the second the authentication key the
/// server checks at log-in. Every Swift caller (operator credentials, the benchmarks' browser-style
/// sign-in, tests) uses this one definition, and the shared test vectors hold the browser to it.
public struct PasswordKeys: Sendable {
    /// Wraps and unwraps the signing key; never leaves the client.
    public let wrappingKey: SymmetricKey
    /// What the client sends to log in (the server stores only a slow hash of it).
    public let authKey: [UInt8]

    /// Derives both keys. The iteration count is the caller's: the sign-up and password routes
    /// refuse fewer than ``Credential/minimumIterations`` from browsers, and only tests and
    /// benchmarks pass fewer here (hence swift-crypto's unchecked-rounds call).
    public init(password: String, salt: [UInt8], iterations: Int) throws {
        guard iterations > 0 else { throw PasswordKeysError() }
        let bits = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 64, unsafeUncheckedRounds: iterations
        ).withUnsafeBytes { Array($0) }
        wrappingKey = SymmetricKey(data: bits[0..<32])
        authKey = Array(bits[32..<64])
    }

    /// The additional data a wrapped key is bound to, so it opens only for its own address.
    public static func wrappingContext(_ address: AccountAddress) -> [UInt8] {
        Array("medledger-key-v1:\(address)".utf8)
    }

    /// The signing key sealed under the wrapping key: nonce ‖ AES-GCM(PKCS#8) ‖ tag.
    public func wrap(_ key: P256.Signing.PrivateKey) throws -> [UInt8] {
        let sealed = try AES.GCM.seal(key.derRepresentation, using: wrappingKey, authenticating: Self.wrappingContext(key.publicKey.address))
        guard let combined = sealed.combined else { throw PasswordKeysError() }
        return Array(combined)
    }

    /// Opens a wrapped signing key and checks that it is `address`'s key.
    public func unwrap(_ wrapped: [UInt8], address: AccountAddress) throws -> P256.Signing.PrivateKey {
        let box = try AES.GCM.SealedBox(combined: wrapped)
        let der = try AES.GCM.open(box, using: wrappingKey, authenticating: Self.wrappingContext(address))
        let key = try P256.Signing.PrivateKey(derRepresentation: der)
        guard key.publicKey.address == address else { throw PasswordKeysError() }
        return key
    }
}

/// A password key could not be derived, or a wrapped key does not open with it.
public struct PasswordKeysError: Error, CustomStringConvertible, Sendable {
    public init() {}

    public var description: String { "The key could not be wrapped or unwrapped with this password." }
}
