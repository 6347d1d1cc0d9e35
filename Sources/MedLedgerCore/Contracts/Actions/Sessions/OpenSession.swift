import Crypto

/// `session.open`: an account's owner signs in by delegating reads to a fresh session key for at
/// most ``Session/maxLifetime``. Only active accounts may: a pending doctor has nothing to read
/// yet, and a session is a key that signs as the account, so it is given out only once the
/// account is vouched for. The session key must be free (``ContractState/checkKeyIsFree(_:)``):
/// a key that is or may become someone's account must never sign as another account.
public struct OpenSession: ContractAction, Equatable {
    public static let transactionType = "session.open"
    public static let eventStatus = EventStatus.signedIn
    public static let summary = "sign in"

    public var sessionKey: String
    /// Unix milliseconds.
    public var expires: Int64

    public init(sessionKey: String, expires: Int64) {
        self.sessionKey = sessionKey
        self.expires = expires
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.publicKey(sessionKey, field: "sessionKey")
        guard expires > 0 else { throw BodyValidationError("expires must be a time in Unix milliseconds") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        guard let id = P256.Signing.PublicKey.address(ofPayloadKey: sessionKey) else { throw ContractDenial("invalid key") }
        facts.object = "session \(id)"
        guard state.sessions[context.actor] == nil else { throw ContractDenial("a session key cannot open sessions") }
        let account = try state.activeAccount(context.actor)
        guard id != context.actor else { throw ContractDenial("the session key is the account's own key") }
        try state.checkKeyIsFree(id)
        guard expires > context.time, expires <= context.time + Session.maxLifetime else {
            throw ContractDenial("a session lasts at most 12 hours from now")
        }
        state.save(Session(id: id, account: account.address, publicKey: sessionKey, expires: expires, createdAt: context.index))
        return nil
    }
}
