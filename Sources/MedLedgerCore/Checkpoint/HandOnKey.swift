import Crypto

/// The key nodes of one shared ledger authenticate handed-on submissions with (HMAC-SHA256),
/// derived from the log's signing key that every node of the ledger holds, so no further secret
/// has to be distributed.
///
/// A handed-on submission skips the per-key limits and content checks the receiving node would
/// apply to a client (the node that handed it on applied them). The key keeps clients from using
/// that door; a replayed hand-on gains nothing, since the ledger refuses a nonce twice.
public enum HandOnKey {
    private static let info = Array("medledger hand-on v1".utf8)

    public static func derive(from signingKey: NoteSigningKey) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(
            inputKeyMaterial: SymmetricKey(data: signingKey.privateKey.rawRepresentation), salt: [UInt8](), info: info,
            outputByteCount: 32)
    }

    /// The tag of `body`, in hex, as the `MedLedger-Hand-On` header carries it.
    public static func tag(_ body: [UInt8], key: SymmetricKey) -> String {
        Hex.encode(Array(HMAC<SHA256>.authenticationCode(for: body, using: key)))
    }

    /// True when `tag` authenticates `body` (compared in constant time).
    public static func isValid(_ tag: String, for body: [UInt8], key: SymmetricKey) -> Bool {
        guard let bytes = Hex.decode(tag), bytes.count == 32 else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(bytes, authenticating: body, using: key)
    }
}
