import Crypto

/// Proof that whoever accepts an invitation holds the invitation's private key, bound to this one
/// acceptance, so that the acceptance reveals nothing another person could reuse.
///
/// An administrator's browser makes a fresh P-256 key pair for each invitation: the ledger keeps
/// the public key (``Invitation/publicKey``) and the link carries the private key in its URL
/// fragment. `invitation.accept` then carries, instead of any secret, a signature by the
/// invitation's key over
///
/// ```
/// medledger-invitation-v1
/// <origin>
/// <invitation id>
/// <invitee public key>
/// <role>
/// ```
///
/// (lines joined by `\n`, no trailing newline). The first line keeps the signature from meaning
/// anything else (envelopes, request signatures and sign-up proofs start otherwise); the origin and
/// id keep it to one invitation on one ledger; the invitee's key — which must also sign the
/// envelope — keeps an acceptance the contracts refuse (a wrong licence number, a key already in
/// use) from being replayed by anyone else; the role is what the contract checks against the
/// invitation. Signatures are 64-byte `r‖s` in low-S form (``LowSSignature``).
public enum InvitationProof {
    /// The first line of the signed text.
    public static let domain = "medledger-invitation-v1"

    /// The exact bytes that are signed.
    public static func message(origin: String, invitation: String, invitee: String, role: Role) -> [UInt8] {
        SignedStatement.message(lines(origin: origin, invitation: invitation, invitee: invitee, role: role))
    }

    static func lines(origin: String, invitation: String, invitee: String, role: Role) -> [String] {
        [domain, origin, invitation, invitee, role.rawValue]
    }

    /// Signs an acceptance (the CLI and tests; browsers sign the same text with WebCrypto). Returns
    /// the base64url `r‖s` signature in low-S form.
    public static func sign(
        origin: String, invitation: String, invitee: String, role: Role, with key: P256.Signing.PrivateKey
    ) throws -> String {
        try SignedStatement.sign(lines(origin: origin, invitation: invitation, invitee: invitee, role: role), with: key)
    }

    /// True when `proof` has the shape of a proof: base64url (86 characters) of 64 bytes.
    public static func isWellFormed(_ proof: String) -> Bool {
        proof.utf8.count == 86 && Base64Coding.decodeURL(proof)?.count == 64
    }

    /// Checks `proof` (base64url `r‖s`) against the invitation's key `invitationKey` (payload-key
    /// form) for the acceptance by `invitee` (payload-key form) of `invitation` on `origin`.
    public static func verify(
        proof: String, invitationKey: String, origin: String, invitation: String, invitee: String, role: Role
    ) throws(InvitationProofError) {
        guard let key = P256.Signing.PublicKey.parsePayloadKey(invitationKey)?.key else { throw .badKey }
        do {
            try SignedStatement.check(proof, over: lines(origin: origin, invitation: invitation, invitee: invitee, role: role), by: key)
        } catch {
            switch error {
            case .malformed: throw .malformed
            case .nonCanonical: throw .nonCanonical
            case .badSignature: throw .badSignature
            }
        }
    }
}

/// Why an invitation's proof was refused.
public enum InvitationProofError: Error, Sendable, Equatable, CustomStringConvertible {
    case badKey
    case malformed
    case nonCanonical
    case badSignature

    public var description: String {
        switch self {
        case .badKey: "The invitation's key is not a P-256 public key."
        case .malformed: "The invitation proof is not a base64url 64-byte P-256 signature."
        case .nonCanonical: "The invitation proof is not in low-S form (s at most n/2)."
        case .badSignature:
            "The invitation proof was not made with this invitation's key for this ledger, invitation, new key and role; use the whole link the administrator gave you."
        }
    }
}
