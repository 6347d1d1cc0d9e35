import Crypto

/// Applies transactions to the contract state, deterministically: the same entries, indexes and
/// block times always give the same state and the same audit events. The sequencer runs it when a
/// block is sealed; `medledger verify` runs it again over the whole ledger.
public enum ContractEngine {
    /// Every contract action, in the order the API documents them.
    public static let actions: [any ContractAction.Type] = [
        CreateOrganization.self, AddAdmin.self, RemoveAdmin.self, CreateAccount.self, VerifyDoctor.self,
        SuspendAccount.self, ReactivateAccount.self, SetParameters.self,
        CreateInvitation.self, RevokeInvitation.self, AcceptInvitation.self,
        RegisterPatient.self, RegisterDoctor.self, UpdateProfile.self, ChangeLicence.self,
        RequestErasure.self, WithdrawErasure.self, ConfirmErasure.self, DeclineErasure.self,
        BookAppointment.self, CancelAppointment.self, DeleteAppointment.self, AcceptAppointment.self, DeclineAppointment.self,
        CompleteAppointment.self,
        CreateGrant.self, RevokeGrant.self, RequestAccess.self, ApproveAccessRequest.self, DenyAccessRequest.self, OpenBreakGlass.self,
        CreateRecord.self, AddDocument.self, UpdateRecord.self, DeleteRecord.self,
        ViewRecord.self, CopyRecord.self, PrintRecord.self, DownloadRecord.self, ReportContentFailure.self, DispensePrescription.self,
        QueryTrail.self, RecordTally.self, SignOffTrail.self, QueryEvents.self,
        ListRecords.self, ListAppointments.self, ListGrants.self, ListAccessRequests.self, ListAccounts.self,
        ListErasureRequests.self, ListOrganizations.self, ListInvitations.self, LookUpPatient.self, ViewProfile.self, ViewDocument.self, OpenSession.self, CloseSession.self,
        SearchDirectory.self, ListHospitalPatients.self, ViewNames.self, PageView.self,
        RegisterApp.self, RetireApp.self, ListApps.self, ListAppSessions.self,
    ]

    /// The ledger's own kinds plus every contract action.
    public static let registry: TransactionTypeRegistry = {
        var registry = TransactionTypeRegistry.ledger
        for action in actions { registry.register(action) }
        return registry
    }()

    /// Transaction types that only read (their answers are returned to the caller).
    public static let readTypes: Set<String> = Set(actions.filter { $0.isRead }.map { $0.transactionType })

    /// Applies `transaction`, sequenced at `index` in a block sealed at `time`. Returns nil for
    /// ledger-level kinds that are not actions (pings).
    public static func apply(_ transaction: VerifiedTransaction, index: UInt64, time: Int64, to state: inout ContractState) -> ContractOutcome? {
        let context = ActionContext(actor: transaction.signer, signerKey: transaction.signerKey, index: index, time: time)
        switch transaction.body {
        case let genesis as GenesisBody:
            state.save(Account(
                address: transaction.signer, publicKey: genesis.admin, role: .admin, status: .active,
                displayName: genesis.adminName, createdAt: index
            ))
            if let service = P256.Signing.PublicKey.address(ofPayloadKey: genesis.service) {
                state.save(LedgerIdentity(service: service, serviceKey: genesis.service, origin: genesis.origin, createdAt: index))
            }
            let event = AuditEvent(
                index: index, time: time, action: GenesisBody.transactionType, status: .created, outcome: .allowed,
                message: "Ledger created; first system administrator registered", actor: transaction.signer, actorRole: .admin
            )
            return ContractOutcome(event: event, answer: nil)
        case let action as any ContractAction:
            // The node's service key always acts as itself, whatever session someone registered
            // under its (public) key.
            guard !state.isNodeService(transaction.signer), let session = state.sessions[transaction.signer] else {
                return run(action, context: context, type: transaction.type, state: &state)
            }
            let delegated = ActionContext(actor: session.account, signerKey: transaction.signerKey, index: index, time: time, session: session)
            return run(action, context: delegated, type: transaction.type, state: &state)
        default:
            return nil
        }
    }

    /// What the contracts would decide if `actor` signed `action` with its own key at `time` on
    /// `state`, without changing `state`: pages ask it before offering a write (a record's
    /// "Change" and "Delete"), so they offer only what the same rule would allow.
    public static func decide<Action: ContractAction>(
        _ action: Action, as actor: AccountAddress, signerKey: P256.Signing.PublicKey, index: UInt64, time: Int64, on state: ContractState
    ) -> ContractOutcome {
        var copy = state
        let context = ActionContext(actor: actor, signerKey: signerKey, index: index, time: time)
        return run(action, context: context, type: Action.transactionType, state: &copy)
    }

    private static func run<Action: ContractAction>(
        _ action: Action, context: ActionContext, type: String, state: inout ContractState
    ) -> ContractOutcome {
        let decision = decideRule(action, context: context, state: &state)
        let outcome: EventOutcome = decision.denial == nil ? .allowed : .denied
        let message = decision.denial.map { "Denied: " + decision.sentence + " — " + $0.reason } ?? decision.sentence
        // Read after the action, so a registration's event carries the role it created.
        let role = state.accounts[context.actor]?.role
        var facts = decision.facts
        if role == .doctor, facts.doctor == nil { facts.doctor = context.actor }
        if role == .auditor, facts.auditor == nil { facts.auditor = context.actor }
        if role == .patient, facts.patient == nil { facts.patient = context.actor }
        facts.otherPatients.removeAll { $0 == facts.patient }
        let event = AuditEvent(
            index: context.index, time: context.time, action: type, status: Action.eventStatus, outcome: outcome,
            message: message, actor: context.actor, actorRole: role, patient: facts.patient, doctor: facts.doctor,
            auditor: facts.auditor, record: facts.record, version: facts.version, breakGlass: facts.breakGlass,
            otherPatients: facts.otherPatients, otherRecords: facts.otherRecords, app: context.session?.app
        )
        // Effects only of an allowed action: a denial changes nothing, outside the ledger too.
        return ContractOutcome(event: event, answer: decision.answer, effects: decision.denial == nil ? decision.facts.effects : [])
    }

    /// One action decided by its whole rule: the delegation rule (for a session's key, with an
    /// app's scopes), the role gate, the content rule and the action's own rule, in that order. A
    /// denial leaves `state` as it was. ``run(_:context:type:state:)`` turns it into the action's
    /// audit event; a page view (``PageView``) decides each of its reads with it, so every read
    /// keeps its own rule.
    static func decideRule<Action: ContractAction>(
        _ action: Action, context: ActionContext, state: inout ContractState
    ) -> RuleDecision {
        var facts = EventFacts()
        do throws(ContractDenial) {
            if let session = context.session {
                try checkDelegation(session, allows: Action.self, at: context.time)
                try AppScopeRule.admit(Action.transactionType, session: session, state: state)
            }
            try checkRole(action, context: context, state: state, facts: &facts)
            let claims = action.contentClaims(in: state, actor: context.actor)
            if let denial = state.contentDenial(claims) {
                facts.about(claims: claims, in: state)
                throw denial
            }
            guard let session = context.session, session.app != nil else {
                let answer = try action.run(state: &state, context: context, facts: &facts)
                return RuleDecision(facts: facts, answer: answer, denial: nil, sentence: sentence(Action.summary, facts: facts))
            }
            // An app's read runs on a copy, kept only once its scopes allow what it read.
            var scratch = state
            var answer = try action.run(state: &scratch, context: context, facts: &facts)
            answer = try AppScopeRule.confine(answer, type: Action.transactionType, session: session, facts: facts, actor: context.actor, state: scratch)
            state = scratch
            return RuleDecision(facts: facts, answer: answer, denial: nil, sentence: sentence(Action.summary, facts: facts))
        } catch {
            return RuleDecision(facts: facts, answer: nil, denial: error, sentence: sentence(Action.summary, facts: facts))
        }
    }

    /// The delegation rule: a session key signs only what ``ContractAction/allowedForSessions``
    /// permits, and only while its session is open.
    private static func checkDelegation<Action: ContractAction>(_ session: Session, allows: Action.Type, at time: Int64) throws(ContractDenial) {
        guard Action.allowedForSessions else { throw ContractDenial("a session key may only read; the account's own key signs changes") }
        guard session.closedAt == nil else { throw ContractDenial("the session was closed") }
        guard session.isOpen(at: time) else { throw ContractDenial("the session expired") }
    }

    /// The role gate of ``AuthorizationMatrix``: an account whose role no cell of the action's row
    /// allows is refused, whatever the action's own rule would say. The action still runs, on a
    /// copy of the state that is thrown away, so the denial names the patient and record it was
    /// aimed at and gives the rule's own reason when it has one. (The copy costs nothing unless the
    /// rule would have changed the state, which only a table that disagrees with a rule makes it do.)
    private static func checkRole<Action: ContractAction>(
        _ action: Action, context: ActionContext, state: ContractState, facts: inout EventFacts
    ) throws(ContractDenial) {
        guard let role = state.accounts[context.actor]?.role, !AuthorizationMatrix.permits(role, Action.transactionType) else { return }
        var scratch = state
        _ = try action.run(state: &scratch, context: context, facts: &facts)
        throw ContractDenial("a \(role.rawValue) account may not do \(Action.transactionType)")
    }

    private static func sentence(_ summary: String, facts: EventFacts) -> String {
        var text = summary.prefix(1).uppercased() + summary.dropFirst()
        if let object = facts.object { text += " \(object)" }
        if let version = facts.version, facts.record != nil { text += " v\(version)" }
        if facts.breakGlass { text += " under break-glass access" }
        return text
    }
}

extension ContractAction {
    public static var allowedForSessions: Bool { isRead }

    /// True for actions that only read (queries, views, prints, copies and downloads).
    static var isRead: Bool {
        switch eventStatus {
        case .viewed, .queried, .printed, .copied, .downloaded: true
        default: false
        }
    }
}
