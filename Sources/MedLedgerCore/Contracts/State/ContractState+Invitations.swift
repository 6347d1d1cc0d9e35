/// Who reaches which invitations: the one place the invitation rules that several actions share live.
extension ContractState {
    /// The organization an invitation of `role` made by `admin` puts the new account in, or why
    /// `admin` may not invite that role there. The reach is ``CreateAccount``'s: a system
    /// administrator invites anyone but administrators, anywhere; an organization's administrator
    /// invites into their own organization only (its doctors and staff; the organization is
    /// theirs when the body names none), and patients, who belong to no organization; auditors
    /// only a system administrator invites.
    func invitationOrganization(role: Role, requested: String?, by admin: Account) throws(ContractDenial) -> String? {
        guard role != .admin else { throw ContractDenial("administrators are added with admin.add, not invited") }
        let organization: String?
        switch role {
        case .patient, .auditor:
            guard requested == nil else { throw ContractDenial("a \(role.rawValue) account belongs to no organization") }
            if role == .auditor, !admin.isSystemAdmin { throw ContractDenial("only a system administrator invites auditors") }
            return nil
        case .doctor, .hospitalManagement, .pharmacy, .admin:
            organization = admin.isSystemAdmin ? requested : (requested ?? admin.organization)
        }
        if !admin.isSystemAdmin, organization != admin.organization {
            throw ContractDenial("an organization's administrator invites into their own organization only")
        }
        if let organization {
            guard let kind = organizations[organization]?.kind else { throw ContractDenial("no such organization") }
            guard role.organizationKind == kind else { throw ContractDenial("a \(role.rawValue) account cannot belong to a \(kind.rawValue)") }
        } else if role != .doctor {
            throw ContractDenial("a \(role.rawValue) account must belong to an organization")
        }
        return organization
    }

    /// True when `admin` (active) manages `invitation`: lists and revokes it. System administrators
    /// manage every invitation; an organization's administrator those into their organization and
    /// those they made themselves (their patient invitations).
    func managesInvitation(_ admin: Account, _ invitation: Invitation) -> Bool {
        guard admin.role == .admin, admin.status == .active else { return false }
        if admin.isSystemAdmin || invitation.createdBy == admin.address { return true }
        return invitation.organization != nil && invitation.organization == admin.organization
    }
}
