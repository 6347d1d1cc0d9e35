import MedLedgerCore
import MedLedgerNode

/// What the sign-up page says about the invitation a link names (`/signup?invite=<id>#<key>`):
/// its role, organization and expiry, or in plain words why it cannot be used. The invitation's
/// private key stays in the URL fragment, which browsers never send, so only the id reaches the
/// server; the page checks the private key against the invitation's public key in the browser and
/// signs the acceptance proof (``InvitationProof``) there.
///
/// Everything shown is public ledger state (no account is needed to read it): the invitation names
/// no person.
enum InvitationLink {
    /// The template context: empty without an `invite` query value, `problem` for a malformed,
    /// unknown, used, revoked or expired invitation, else the invitation's public facts and `open`.
    static func context(id raw: String?, node: LedgerNode) async -> [String: Any] {
        guard let raw else { return [:] }
        let id = raw.trimmingCharacters(in: .whitespaces)
        guard Validation.isIdentifier(id) else {
            return problem("This invitation link is not valid: its id is damaged. Copy the whole link again, or ask the administrator for a new one.")
        }
        guard let invitation = await node.invitation(id) else {
            return problem("There is no invitation with this id on this ledger. Check that you opened the whole link you were given.")
        }
        switch invitation.standing(at: node.clock()) {
        case .used: return problem("This invitation was already used to create an account. Each invitation works once; ask the administrator for a new one.")
        case .revoked: return problem("This invitation was withdrawn by an administrator. Ask them for a new one.")
        case .expired:
            return problem("This invitation expired on \(TemplateValue.format(time: invitation.expires)). Ask the administrator for a new one.")
        case .open: break
        }
        var context: [String: Any] = [
            "present": true, "open": true, "id": invitation.id, "role": invitation.role.rawValue,
            "role_\(invitation.role.rawValue)": true, "roleText": invitation.role.label,
            "expiresText": TemplateValue.format(time: invitation.expires), "invitationKey": invitation.publicKey,
            "staff": invitation.role != .patient && invitation.role != .doctor,
        ]
        if let organization = invitation.organization {
            context["organization"] = organization
            context["organizationName"] = await node.organization(organization)?.name ?? organization
        }
        if let licence = invitation.licence { context["licence"] = licence }
        if let label = invitation.label { context["label"] = label }
        return context
    }

    private static func problem(_ message: String) -> [String: Any] {
        ["present": true, "problem": message]
    }
}
