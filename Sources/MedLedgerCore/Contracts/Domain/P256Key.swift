import Crypto

/// Parses the public keys that bodies name (accounts an administrator creates).
enum P256Key {
    /// The address of a base64url uncompressed P-256 key, or nil when it is not one.
    static func parse(_ text: String) -> AccountAddress? {
        P256.Signing.PublicKey.parsePayloadKey(text)?.address
    }
}
