extension NoteVerifierKey {
    /// The timestamp (POSIX seconds) of a valid `cosignature/v1` by this key on `note`, or nil.
    ///
    /// Only lines whose name and key ID both match this key are considered (a line sharing just
    /// one of them belongs to some other key and is ignored, as signed-note requires), and only a
    /// key of type ``KeyType/cosignatureV1`` can have cosigned: a log key's signature means
    /// something else. When several lines verify, the latest time wins.
    public func cosignatureTime(on note: SignedNote) -> UInt64? {
        guard type == .cosignatureV1 else { return nil }
        let id = keyID
        var latest: UInt64?
        for line in note.signatures where line.name == name && line.keyID == id {
            guard let (time, signature) = CosignatureV1.decode(line.signature), time <= CosignatureV1.maxTime,
                publicKey.isValidSignature(signature, for: CosignatureV1.message(noteText: note.text, time: time))
            else { continue }
            latest = max(latest ?? 0, time)
        }
        return latest
    }

    /// The signature lines of `note` that are valid signatures by this key: a log's note signature
    /// for an Ed25519 key, a `cosignature/v1` for a cosignature key. Lines of other keys, and lines
    /// with this key's name and ID that do not verify, are left out.
    public func validLines(in note: SignedNote) -> [SignedNote.Signature] {
        let id = keyID
        return note.signatures.filter { line in
            guard line.name == name, line.keyID == id else { return false }
            let single = SignedNote(text: note.text, signatures: [line])
            switch type {
            case .ed25519: return hasSigned(single)
            case .cosignatureV1: return cosignatureTime(on: single) != nil
            }
        }
    }
}
