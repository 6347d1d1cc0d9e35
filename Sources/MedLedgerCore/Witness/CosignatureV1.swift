/// The byte layouts of a C2SP `cosignature/v1` (timestamped Ed25519 witness cosignature), shared
/// by the signing side (``CosignerKey``) and the verifying side
/// (``NoteVerifierKey/cosignatureTime(on:)``) so the two can never drift apart.
///
/// A cosignature line's base64 payload is `key ID (4) ‖ timestamp (u64, big-endian) ‖ Ed25519
/// signature (64)`; the signature covers ``message(noteText:time:)``.
public enum CosignatureV1 {
    /// Bytes after the key ID: an 8-byte timestamp and a 64-byte Ed25519 signature.
    public static let signatureLength = 8 + 64

    /// The largest timestamp the format allows (2^63 − 1): a cosignature claiming a later time is invalid.
    public static let maxTime = UInt64(Int64.max)

    /// What a cosigner signs: the `cosignature/v1` header line, a `time` line, then the whole note
    /// text of the checkpoint (extension lines included). The header separates this from any other
    /// use of the same key; the time line makes the statement "as of this time".
    public static func message(noteText: String, time: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(time)\n".utf8) + Array(noteText.utf8)
    }

    /// The 72 signature bytes of a note signature line (after the key ID).
    public static func encode(time: UInt64, signature: [UInt8]) -> [UInt8] {
        withUnsafeBytes(of: time.bigEndian) { Array($0) } + signature
    }

    /// Splits a line's signature bytes into its timestamp and Ed25519 signature; nil when the length is wrong.
    public static func decode(_ bytes: [UInt8]) -> (time: UInt64, signature: [UInt8])? {
        guard bytes.count == signatureLength else { return nil }
        let time = bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (time, Array(bytes.suffix(64)))
    }
}
