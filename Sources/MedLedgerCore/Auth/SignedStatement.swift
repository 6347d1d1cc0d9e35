import Crypto

/// A few lines of text signed with a P-256 key to prove something outside an envelope (holding a
/// key at sign-up, holding an invitation's key). The first line names what the statement is, so a
/// signature over one kind never means another; lines are joined by `\n` with no trailing newline.
/// Signatures are base64url `r‖s` in low-S form (``LowSSignature``).
enum SignedStatement {
    /// Why a statement's signature does not hold.
    enum Problem: Error {
        case malformed
        case nonCanonical
        case badSignature
    }

    /// The exact bytes that are signed.
    static func message(_ lines: [String]) -> [UInt8] {
        Array(lines.joined(separator: "\n").utf8)
    }

    /// The base64url low-S signature of `lines` by `key`.
    static func sign(_ lines: [String], with key: P256.Signing.PrivateKey) throws -> String {
        let signature = try key.signature(for: message(lines))
        return Base64Coding.url(LowSSignature.normalized(Array(signature.rawRepresentation)))
    }

    /// Checks `proof` over `lines` against `key`.
    static func check(_ proof: String, over lines: [String], by key: P256.Signing.PublicKey) throws(Problem) {
        guard let raw = Base64Coding.decodeURL(proof), raw.count == 64,
            let signature = try? P256.Signing.ECDSASignature(rawRepresentation: raw)
        else { throw .malformed }
        guard LowSSignature.isLowS(raw) else { throw .nonCanonical }
        guard key.isValidSignature(signature, for: message(lines)) else { throw .badSignature }
    }
}
