import Crypto

/// `session.open`: an account's owner signs in by delegating reads to a fresh session key for at
/// most ``Session/maxLifetime``. Only active accounts may: a pending doctor has nothing to read
/// yet, and a session is a key that signs as the account, so it is given out only once the
/// account is vouched for. The session key must be free (``ContractState/checkKeyIsFree(_:)``):
/// a key that is or may become someone's account must never sign as another account.
///
/// The same action authorises a SMART on FHIR app: `app` names a registered ``ClientApp`` and
/// `scopes` the SMART scopes the owner granted (`patient` the launch patient of `patient/` scopes),
/// and the session key becomes the app's token. Its reads are then held to those scopes by
/// ``AppScopeRule``, so the owner's signature, not the server, limits what the app can read.
public struct OpenSession: ContractAction, Equatable {
    public static let transactionType = "session.open"
    public static let eventStatus = EventStatus.signedIn
    public static let summary = "sign in"

    public var sessionKey: String
    /// Unix milliseconds.
    public var expires: Int64
    /// The registered app the session is for; nil for a web sign-in.
    public var app: String?
    /// The granted SMART scopes (with `app` only).
    public var scopes: [String]?
    /// The launch patient of `patient/` scopes (with `app` only).
    public var patient: AccountAddress?

    /// The most scopes one authorisation may grant.
    public static let scopeLimit = 32

    public init(sessionKey: String, expires: Int64, app: String? = nil, scopes: [String]? = nil, patient: AccountAddress? = nil) {
        self.sessionKey = sessionKey
        self.expires = expires
        self.app = app
        self.scopes = scopes
        self.patient = patient
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.publicKey(sessionKey, field: "sessionKey")
        guard expires > 0 else { throw BodyValidationError("expires must be a time in Unix milliseconds") }
        guard let app else {
            guard scopes == nil, patient == nil else { throw BodyValidationError("scopes and patient are for an app's session only") }
            return
        }
        try Validation.identifier(app, field: "app")
        guard let scopes, (1...Self.scopeLimit).contains(scopes.count), Set(scopes).count == scopes.count else {
            throw BodyValidationError("scopes must list 1 to \(Self.scopeLimit) different scopes")
        }
        for scope in scopes where !SMARTScope.contextScopes.contains(scope) {
            guard let parsed = SMARTScope(scope), parsed.normalized == scope else {
                throw BodyValidationError("scopes must be normalised SMART read scopes (such as patient/*.rs) or launch/patient, openid, fhirUser")
            }
        }
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
        if let app {
            facts.object = "session \(id) for app \(app)"
            guard let registered = state.apps[app], registered.isActive else { throw ContractDenial("no such app is registered") }
            let resourceScopes = (scopes ?? []).compactMap(SMARTScope.init)
            if let patient {
                guard state.accounts[patient]?.role == .patient else { throw ContractDenial("the launch patient is not a patient") }
                guard account.role != .patient || patient == account.address else { throw ContractDenial("a patient may launch an app only with themselves as the patient") }
                facts.patient = patient
            } else if resourceScopes.contains(where: { $0.context == .patient }) {
                throw ContractDenial("patient/ scopes need a launch patient")
            }
            guard !resourceScopes.contains(where: { $0.context == .system }) else { throw ContractDenial("system/ scopes are for back-end services, not a user's app") }
        }
        state.save(Session(
            id: id, account: account.address, publicKey: sessionKey, expires: expires, createdAt: context.index,
            app: app, scopes: scopes, patient: patient))
        return nil
    }
}
