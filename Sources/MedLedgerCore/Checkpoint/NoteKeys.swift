import Crypto
import Foundation

/// The public half of a note-signing key, printable as a C2SP verifier key
/// `<name>+<8 hex key ID>+<base64(type‖public key)>`.
public struct NoteVerifierKey: Sendable, Equatable {
    /// Signature type byte: 0x01 for a log's Ed25519 note signature, 0x04 for an Ed25519 cosignature.
    public enum KeyType: UInt8, Sendable {
        case ed25519 = 0x01
        case cosignatureV1 = 0x04
    }

    public let name: String
    public let type: KeyType
    public let publicKey: Curve25519.Signing.PublicKey

    public init(name: String, type: KeyType = .ed25519, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.type = type
        self.publicKey = publicKey
    }

    /// `SHA-256(name || "\n" || type || public key)[:4]`.
    public var keyID: [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, type.rawValue])
        hasher.update(data: publicKey.rawRepresentation)
        return Array(hasher.finalize().prefix(4))
    }

    /// The verifier key string.
    public var vkey: String {
        "\(name)+\(Hex.encode(keyID))+\(Base64Coding.standard([type.rawValue] + publicKey.rawRepresentation))"
    }

    /// Parses a verifier key string, checking that its key ID matches its key. Only the one
    /// canonical spelling is accepted (lower-case hex, canonical base64), so a key has one text and
    /// two texts never name the same key.
    public init?(vkey: String) {
        let parts = vkey.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, NoteKeyName.isValid(String(parts[0])), parts[1].utf8.count == 8,
            let id = Hex.decode(parts[1]), Hex.encode(id) == parts[1],
            let material = Base64Coding.decodeStandard(parts[2]), Base64Coding.standard(material) == parts[2],
            material.count == 33, let type = KeyType(rawValue: material[0]),
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: material.dropFirst())
        else { return nil }
        self.init(name: String(parts[0]), type: type, publicKey: key)
        guard keyID == id else { return nil }
    }

    public static func == (lhs: NoteVerifierKey, rhs: NoteVerifierKey) -> Bool {
        lhs.name == rhs.name && lhs.type == rhs.type && lhs.publicKey.rawRepresentation == rhs.publicKey.rawRepresentation
    }

    /// True when `note` carries a valid signature by this key.
    public func hasSigned(_ note: SignedNote) -> Bool {
        let id = keyID
        return note.signatures.contains { signature in
            signature.name == name && signature.keyID == id
                && publicKey.isValidSignature(signature.signature, for: Array(note.text.utf8))
        }
    }
}

/// A log's Ed25519 note-signing key.
public struct NoteSigningKey: Sendable {
    public let name: String
    public let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.privateKey = privateKey
    }

    public var verifierKey: NoteVerifierKey {
        NoteVerifierKey(name: name, type: .ed25519, publicKey: privateKey.publicKey)
    }

    /// Signs note text (which must end in a newline).
    public func sign(text: String) throws -> SignedNote {
        precondition(text.hasSuffix("\n"))
        let signature = try privateKey.signature(for: Array(text.utf8))
        return SignedNote(
            text: text,
            signatures: [.init(name: name, keyID: verifierKey.keyID, signature: Array(signature))]
        )
    }
}
