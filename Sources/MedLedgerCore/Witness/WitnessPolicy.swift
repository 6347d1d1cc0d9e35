import Crypto
import Foundation

extension NoteVerifierKey {
    /// The timestamp of a valid C2SP `cosignature/v1` by this key on `note`, or nil. The key must
    /// be a cosignature key (type 0x04); the line's name and key ID must match; the signature covers
    /// `cosignature/v1\ntime <timestamp>\n` followed by the note's text.
    public func cosignatureTime(on note: SignedNote) -> UInt64? {
        guard type == .cosignatureV1 else { return nil }
        let id = keyID
        for signature in note.signatures where signature.name == name && signature.keyID == id && signature.signature.count == 72 {
            let time = signature.signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard time <= UInt64(Int64.max) else { continue }
            let message = Array("cosignature/v1\ntime \(time)\n".utf8) + Array(note.text.utf8)
            if publicKey.isValidSignature(Array(signature.signature.dropFirst(8)), for: message) { return time }
        }
        return nil
    }
}

/// Which witnesses a checkpoint must carry cosignatures from before a client trusts it: `quorum`
/// of `witnesses` (k of n), each counted once.
public struct WitnessPolicy: Sendable, Equatable {
    public var witnesses: [NoteVerifierKey]
    public var quorum: Int

    public init(witnesses: [NoteVerifierKey], quorum: Int) {
        self.witnesses = witnesses
        self.quorum = quorum
    }

    /// The witnesses whose valid cosignature `note` carries.
    public func cosigners(of note: SignedNote) -> [NoteVerifierKey] {
        witnesses.filter { $0.cosignatureTime(on: note) != nil }
    }

    /// True when at least `quorum` witnesses cosigned `note`.
    public func isSatisfied(by note: SignedNote) -> Bool { cosigners(of: note).count >= quorum }
}
