/// `invitation.revoke`: an administrator withdraws an open invitation, so its link registers
/// nobody. The administrator who made it, a system administrator, or an administrator of the
/// invitation's organization may revoke it.
public struct RevokeInvitation: ContractAction, Equatable {
    public static let transactionType = "invitation.revoke"
    public static let eventStatus = EventStatus.revoked
    public static let summary = "revoke invitation"

    public var invitation: String

    public init(invitation: String) { self.invitation = invitation }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(invitation, field: "invitation")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "invitation \(invitation)"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard var invited = state.invitations[invitation], state.managesInvitation(admin, invited) else {
            throw ContractDenial("no such invitation among those this administrator manages")
        }
        switch invited.standing(at: context.time) {
        case .open: break
        case .used: throw ContractDenial("the invitation was already used; suspend the account instead")
        case .revoked: throw ContractDenial("the invitation was already revoked")
        case .expired: throw ContractDenial("the invitation expired; it can no longer be used")
        }
        invited.status = .revoked
        invited.revokedBy = admin.address
        invited.closedAt = context.index
        state.save(invited)
        return nil
    }
}
