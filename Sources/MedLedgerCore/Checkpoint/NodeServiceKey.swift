import Crypto

/// The node's own P-256 signing key, which signs the few entries only the node may append: the
/// tally checks it runs for auditors (`audit.tally`) and operator pings (`ledger.ping`).
///
/// It is derived from the log's Ed25519 note-signing seed with HKDF-SHA256 and a fixed info string,
/// so it needs no key file of its own: whoever holds the log key can recompute it, it changes only
/// when the log key does, and backing up the log key backs it up too. The derivation is one way, so
/// the service key (which appears in the genesis entry) says nothing about the log key.
public enum NodeServiceKey {
    /// Binds the derived bytes to this one use; another use of the seed would name another string.
    static let info = Array("medledger node service key v1 (P-256)".utf8)
    static let salt = Array("medledger.node-service".utf8)

    /// The service key of the log whose note-signing key is `signingKey`.
    public static func derive(from signingKey: NoteSigningKey) -> P256.Signing.PrivateKey {
        let seed = SymmetricKey(data: signingKey.privateKey.rawRepresentation)
        // A 32-byte HKDF output is a valid P-256 scalar except with probability about 2^-32; the
        // counter only makes the function total.
        for counter in UInt8(0)...UInt8.max {
            let bytes = HKDF<SHA256>.deriveKey(inputKeyMaterial: seed, salt: salt, info: info + [counter], outputByteCount: 32)
            if let key = bytes.withUnsafeBytes({ try? P256.Signing.PrivateKey(rawRepresentation: Array($0)) }) { return key }
        }
        preconditionFailure("HKDF produced no valid P-256 scalar in 256 attempts")
    }
}
