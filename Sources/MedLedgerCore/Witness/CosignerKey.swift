import Crypto

/// A witness's Ed25519 cosigning key and name.
///
/// It is kept apart from ``NoteSigningKey`` because the two sign different messages under
/// different key IDs (type 0x04 rather than 0x01): a witness's cosignature states "as of this time,
/// this is the largest consistent tree I have seen", which a log's own signature never does.
public struct CosignerKey: Sendable {
    /// The witness's key name, conventionally a schema-less URL; it appears on every cosignature line.
    public let name: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey = .init()) {
        precondition(NoteKeyName.isValid(name), "a cosigner name must be a valid note key name")
        self.name = name
        self.privateKey = privateKey
    }

    /// What logs and clients configure to trust this witness: type `cosignature/v1` (0x04).
    public var verifierKey: NoteVerifierKey {
        NoteVerifierKey(name: name, type: .cosignatureV1, publicKey: privateKey.publicKey)
    }

    /// Cosigns the note's text as of `time` (POSIX seconds), returning the signature line to add
    /// to the note. The log's own signatures are not covered: a cosignature vouches for the tree
    /// head, whoever else signed it.
    public func cosign(_ note: SignedNote, time: UInt64) throws -> SignedNote.Signature {
        precondition(time <= CosignatureV1.maxTime, "cosignature timestamps stop at 2^63 - 1")
        let signature = try privateKey.signature(for: CosignatureV1.message(noteText: note.text, time: time))
        return SignedNote.Signature(
            name: name, keyID: verifierKey.keyID, signature: CosignatureV1.encode(time: time, signature: Array(signature))
        )
    }
}
