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
}
