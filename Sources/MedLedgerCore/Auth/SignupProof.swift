import Crypto

/// Proof that whoever signs up holds the private key of the public key they name.
///
/// Without it anyone could sign up under a username for someone else's key (the key of a member
/// of staff who has not signed up yet), and an administrator who later creates the account for
/// that key would hand the squatter's username and password the account. So every sign-up, of
/// every role, carries a P-256 signature by the named key over a text that binds a single-use
/// challenge the server issued, the ledger's origin, the username and the role:
///
/// ```
/// medledger-signup-v1
/// <origin>
/// <challenge>
/// <username>
/// <role>
/// ```
///
/// (lines joined by `\n`, no trailing newline). The first line keeps the signature from meaning
/// anything else (a transaction's DSSE encoding or a request signature always starts otherwise);
/// the challenge keeps a captured proof from being replayed; origin, username and role keep it
/// from being used for another ledger, name or role. Signatures are the 64-byte `r‖s` form in
/// its low-S shape, like every other signature the node accepts (``LowSSignature``).
public enum SignupProof {
    /// The first line of the signed text.
    public static let domain = "medledger-signup-v1"

    /// The exact bytes that are signed.
    public static func message(origin: String, challenge: String, username: String, role: Role) -> [UInt8] {
        SignedStatement.message(lines(origin: origin, challenge: challenge, username: username, role: role))
    }

    static func lines(origin: String, challenge: String, username: String, role: Role) -> [String] {
        [domain, origin, challenge, username, role.rawValue]
    }

    /// Signs a sign-up (the CLI and tests; browsers sign the same text with WebCrypto). Returns the
    /// base64url `r‖s` signature in low-S form.
    public static func sign(origin: String, challenge: String, username: String, role: Role, with key: P256.Signing.PrivateKey) throws -> String {
        try SignedStatement.sign(lines(origin: origin, challenge: challenge, username: username, role: role), with: key)
    }

    /// Checks `proof` (base64url `r‖s`) against `publicKey` (base64url uncompressed point) for the
    /// given sign-up; returns the key's address.
    public static func verify(
        proof: String, publicKey: String, origin: String, challenge: String, username: String, role: Role
    ) throws(SignupProofError) -> AccountAddress {
        guard let (key, address) = P256.Signing.PublicKey.parsePayloadKey(publicKey) else { throw .badKey }
        do {
            try SignedStatement.check(proof, over: lines(origin: origin, challenge: challenge, username: username, role: role), by: key)
        } catch {
            switch error {
            case .malformed: throw .malformed
            case .nonCanonical: throw .nonCanonical
            case .badSignature: throw .badSignature
            }
        }
        return address
    }
}

/// Why a sign-up's proof of possession was refused.
public enum SignupProofError: Error, Sendable, Equatable, CustomStringConvertible {
    case badKey
    case malformed
    case nonCanonical
    case badSignature

    public var description: String {
        switch self {
        case .badKey: "The public key is not a base64url uncompressed P-256 key."
        case .malformed: "The sign-up proof is not a base64url 64-byte P-256 signature."
        case .nonCanonical: "The sign-up proof is not in low-S form (s at most n/2)."
        case .badSignature: "The sign-up proof was not made with the named key for this challenge, ledger, username and role."
        }
    }
}
