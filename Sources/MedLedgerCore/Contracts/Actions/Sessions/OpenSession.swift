import Crypto

/// `session.open`: an account's owner signs in by delegating reads to a fresh session key for at
/// most ``Session/maxLifetime``. Pending and active accounts may sign in (a pending doctor sees
/// their status); suspended, rejected and removed accounts may not.
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
        guard let account = state.accounts[context.actor] else { throw ContractDenial("the signer has no account") }
        guard account.status == .active || account.status == .pending else {
            throw ContractDenial("the account is \(account.status.rawValue)")
        }
        guard state.sessions[context.actor] == nil else { throw ContractDenial("a session key cannot open sessions") }
        guard id != context.actor, state.accounts[id] == nil, state.sessions[id] == nil else {
            throw ContractDenial("the session key is already in use")
        }
        guard expires > context.time, expires <= context.time + Session.maxLifetime else {
            throw ContractDenial("a session lasts at most 12 hours from now")
        }
        state.save(Session(id: id, account: account.address, publicKey: sessionKey, expires: expires, createdAt: context.index))
        return nil
    }
}
