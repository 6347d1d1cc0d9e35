/// `invitations.list`: the invitations an administrator manages (``ContractState/managesInvitation(_:_:)``),
/// newest first, optionally only those in one standing at the block's time.
public struct ListInvitations: ContractAction, Equatable {
    public static let transactionType = "invitations.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list invitations"

    public var standing: InvitationStanding?
    /// At most this many (1 to 500; 200 when absent).
    public var limit: Int?

    public init(standing: InvitationStanding? = nil, limit: Int? = nil) {
        self.standing = standing
        self.limit = limit
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        if let limit, !(1...500).contains(limit) { throw BodyValidationError("limit must be from 1 to 500") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "invitations"
        let admin = try state.activeAccount(context.actor, role: .admin)
        let mine = state.invitations.values.filter { invitation in
            state.managesInvitation(admin, invitation) && (standing == nil || invitation.standing(at: context.time) == standing)
        }
        let newestFirst = mine.sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
        return .invitations(Array(newestFirst.prefix(limit ?? 200)))
    }
}
