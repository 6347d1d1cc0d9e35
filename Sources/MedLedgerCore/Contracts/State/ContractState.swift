/// Everything the contracts decide on: accounts, organizations, grants, requests, appointments,
/// records, break-glass accesses and system parameters.
///
/// A value: the sequencer owns one copy and changes it only through the `save` methods, which also
/// keep the lookup indexes and remember what changed, so each block writes only changed objects.
/// Equality compares the objects, not the indexes.
public struct ContractState: Sendable, Equatable {
    public private(set) var accounts: [AccountAddress: Account] = [:]
    public private(set) var organizations: [String: Organization] = [:]
    public private(set) var grants: [String: Grant] = [:]
    public private(set) var accessRequests: [String: AccessRequest] = [:]
    public private(set) var appointments: [String: Appointment] = [:]
    public private(set) var records: [String: MedicalRecord] = [:]
    public private(set) var breakGlass: [String: BreakGlassAccess] = [:]
    /// One-time sign-up invitations by id.
    public private(set) var invitations: [String: Invitation] = [:]
    /// Sign-in sessions by the address of their key.
    public private(set) var sessions: [AccountAddress: Session] = [:]
    /// Registered SMART on FHIR apps by client id.
    public private(set) var apps: [String: ClientApp] = [:]
    /// App sessions (tokens) by the account that authorised them, oldest first.
    public private(set) var appSessionsByAccount: [AccountAddress: [AccountAddress]] = [:]
    /// Set once an administrator changed the parameters.
    private var storedParameters: SystemParameters?
    /// What the genesis entry fixed (the node's service key); nil before genesis.
    public private(set) var ledger: LedgerIdentity?

    /// Record ids by patient, oldest first.
    public private(set) var recordsByPatient: [AccountAddress: [String]] = [:]
    /// Grant ids by patient and by grantee, oldest first.
    public private(set) var grantsByAccount: [AccountAddress: [String]] = [:]
    /// Grant ids by (patient, grantee).
    private(set) var grantsByPair: [AccountPair: [String]] = [:]
    /// Appointment ids by patient and by doctor.
    public private(set) var appointmentsByAccount: [AccountAddress: [String]] = [:]
    /// Access request ids by patient and by requester.
    public private(set) var requestsByAccount: [AccountAddress: [String]] = [:]
    /// Break-glass ids by (patient, doctor).
    private(set) var breakGlassByPair: [AccountPair: [String]] = [:]
    /// Patients whose erasure a system administrator confirmed (their status is
    /// ``AccountStatus/erased``).
    ///
    /// This is what the node reads to carry an erasure out: once the block holding an
    /// `erasure.confirm` is durable, it destroys each listed patient's content key and removes
    /// their encrypted objects, so the CIDs the ledger keeps point at nothing. The node may also
    /// go through the set on start, to finish a destruction a crash interrupted. The contracts
    /// need no key or object to refuse everything about these patients; the set only tells the
    /// node whose content to destroy.
    public private(set) var erasedPatients: Set<AccountAddress> = []
    /// Patients who ever asked for erasure, whatever became of the request: what the erasure list
    /// scans instead of every account.
    private(set) var erasureRequesters: Set<AccountAddress> = []
    /// How many objects name each CID (``StateObject/contentIDs``): the content index. Derived
    /// from the objects alone, so it is the same however the state was reached.
    private(set) var contentUses: [String: Int] = [:]
    private var changed: Set<StateKey> = []

    /// An empty state (before genesis).
    public init() {}

    /// Rebuilds a state from stored objects. They are applied in creation order (whatever order they
    /// come in), so the lookup indexes list ids oldest first, exactly as in the state that saved them.
    public init(objects: some Sequence<StateObject>) {
        for object in objects.sorted(by: { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }) { apply(object) }
        changed = []
    }

    /// Applies objects that blocks sequenced elsewhere changed (a node following a shared store,
    /// ``SharedLedgerStore/changes(after:)``), in creation order as ``init(objects:)`` does, so the
    /// state and its indexes end as the sequencer's are.
    public mutating func follow(_ objects: [StateObject]) {
        for object in objects.sorted(by: { ($0.createdAt, $0.key) < ($1.createdAt, $1.key) }) { apply(object) }
        changed = []
    }

    public static func == (lhs: ContractState, rhs: ContractState) -> Bool {
        lhs.accounts == rhs.accounts && lhs.organizations == rhs.organizations && lhs.grants == rhs.grants
            && lhs.accessRequests == rhs.accessRequests && lhs.appointments == rhs.appointments
            && lhs.records == rhs.records && lhs.breakGlass == rhs.breakGlass && lhs.storedParameters == rhs.storedParameters
            && lhs.sessions == rhs.sessions && lhs.ledger == rhs.ledger && lhs.invitations == rhs.invitations
            && lhs.apps == rhs.apps
    }

    // MARK: Changes

    mutating func save(_ account: Account) { apply(.account(account)) }
    mutating func save(_ organization: Organization) { apply(.organization(organization)) }
    mutating func save(_ grant: Grant) { apply(.grant(grant)) }
    mutating func save(_ request: AccessRequest) { apply(.accessRequest(request)) }
    mutating func save(_ appointment: Appointment) { apply(.appointment(appointment)) }
    mutating func save(_ record: MedicalRecord) { apply(.record(record)) }
    mutating func save(_ access: BreakGlassAccess) { apply(.breakGlass(access)) }
    mutating func save(_ parameters: SystemParameters) { apply(.parameters(parameters)) }
    mutating func save(_ session: Session) { apply(.session(session)) }
    mutating func save(_ identity: LedgerIdentity) { apply(.ledger(identity)) }
    mutating func save(_ invitation: Invitation) { apply(.invitation(invitation)) }
    mutating func save(_ app: ClientApp) { apply(.app(app)) }

    private mutating func apply(_ object: StateObject) {
        changed.insert(object.key)
        let previousContent = self.object(object.key)?.contentIDs ?? []
        defer { reindexContent(removing: previousContent, adding: object.contentIDs) }
        switch object {
        case .account(let value):
            accounts[value.address] = value
            if value.status == .erased {
                erasedPatients.insert(value.address)
            } else if !erasedPatients.isEmpty {
                erasedPatients.remove(value.address)
            }
            if value.erasure != nil { erasureRequesters.insert(value.address) }
        case .organization(let value):
            organizations[value.id] = value
        case .grant(let value):
            if grants.updateValue(value, forKey: value.id) == nil {
                grantsByAccount[value.patient, default: []].append(value.id)
                if value.grantee != value.patient { grantsByAccount[value.grantee, default: []].append(value.id) }
                grantsByPair[AccountPair(value.patient, value.grantee), default: []].append(value.id)
            }
        case .accessRequest(let value):
            if accessRequests.updateValue(value, forKey: value.id) == nil {
                requestsByAccount[value.patient, default: []].append(value.id)
                requestsByAccount[value.requester, default: []].append(value.id)
            }
        case .appointment(let value):
            if appointments.updateValue(value, forKey: value.id) == nil {
                appointmentsByAccount[value.patient, default: []].append(value.id)
                appointmentsByAccount[value.doctor, default: []].append(value.id)
            }
        case .record(let value):
            if records.updateValue(value, forKey: value.id) == nil {
                recordsByPatient[value.patient, default: []].append(value.id)
            }
        case .breakGlass(let value):
            if breakGlass.updateValue(value, forKey: value.id) == nil {
                breakGlassByPair[AccountPair(value.patient, value.doctor), default: []].append(value.id)
            }
        case .parameters(let value):
            storedParameters = value
        case .session(let value):
            if sessions.updateValue(value, forKey: value.id) == nil, value.app != nil {
                appSessionsByAccount[value.account, default: []].append(value.id)
            }
        case .ledger(let value):
            ledger = value
        case .invitation(let value):
            invitations[value.id] = value
        case .app(let value):
            apps[value.id] = value
        }
    }

    private mutating func reindexContent(removing old: [String], adding new: [String]) {
        guard old != new else { return }
        for cid in new { contentUses[cid, default: 0] += 1 }
        for cid in old {
            guard let count = contentUses[cid] else { continue }
            contentUses[cid] = count > 1 ? count - 1 : nil
        }
    }

    /// The objects changed since the last call, in key order; clears the list.
    public mutating func takeChanges() -> [StateObject] {
        defer { changed = [] }
        return changed.sorted().compactMap(object)
    }

    /// The current object for a key, if any.
    public func object(_ key: StateKey) -> StateObject? {
        switch key.kind {
        case .account: AccountAddress(key.id).flatMap { accounts[$0] }.map(StateObject.account)
        case .organization: organizations[key.id].map(StateObject.organization)
        case .grant: grants[key.id].map(StateObject.grant)
        case .accessRequest: accessRequests[key.id].map(StateObject.accessRequest)
        case .appointment: appointments[key.id].map(StateObject.appointment)
        case .record: records[key.id].map(StateObject.record)
        case .breakGlass: breakGlass[key.id].map(StateObject.breakGlass)
        case .parameters: key.id == "system" ? storedParameters.map(StateObject.parameters) : nil
        case .session: AccountAddress(key.id).flatMap { sessions[$0] }.map(StateObject.session)
        case .ledger: key.id == "genesis" ? ledger.map(StateObject.ledger) : nil
        case .invitation: invitations[key.id].map(StateObject.invitation)
        case .app: apps[key.id].map(StateObject.app)
        }
    }

    /// The system parameters in force.
    public var parameters: SystemParameters { storedParameters ?? .defaults }

    /// True when `signer` is the node's service key the genesis entry named.
    public func isNodeService(_ signer: AccountAddress) -> Bool {
        ledger?.service == signer
    }

    /// Every object, in key order.
    public var allObjects: [StateObject] {
        var objects: [StateObject] = []
        objects += accounts.values.map(StateObject.account)
        objects += organizations.values.map(StateObject.organization)
        objects += grants.values.map(StateObject.grant)
        objects += accessRequests.values.map(StateObject.accessRequest)
        objects += appointments.values.map(StateObject.appointment)
        objects += records.values.map(StateObject.record)
        objects += breakGlass.values.map(StateObject.breakGlass)
        objects += sessions.values.map(StateObject.session)
        objects += invitations.values.map(StateObject.invitation)
        objects += apps.values.map(StateObject.app)
        if let storedParameters { objects.append(.parameters(storedParameters)) }
        if let ledger { objects.append(.ledger(ledger)) }
        return objects.sorted { $0.key < $1.key }
    }

    // MARK: Lookups

    /// Every CID some object of the state names: content to keep in the store.
    public var referencedContent: Set<String> { Set(contentUses.keys) }

    /// True when some record version, profile, certificate or document already names `cid`.
    public func isContentInUse(_ cid: String) -> Bool { contentUses[cid] != nil }

    /// Grants from `patient` to `grantee`, oldest first.
    public func grants(from patient: AccountAddress, to grantee: AccountAddress) -> [Grant] {
        (grantsByPair[AccountPair(patient, grantee)] ?? []).compactMap { grants[$0] }
    }

    /// Break-glass accesses `doctor` opened to `patient`, oldest first.
    public func breakGlass(by doctor: AccountAddress, to patient: AccountAddress) -> [BreakGlassAccess] {
        (breakGlassByPair[AccountPair(patient, doctor)] ?? []).compactMap { breakGlass[$0] }
    }
}

/// A (patient, other party) key for the pair indexes.
struct AccountPair: Hashable, Sendable {
    let patient: AccountAddress
    let other: AccountAddress

    init(_ patient: AccountAddress, _ other: AccountAddress) {
        self.patient = patient
        self.other = other
    }
}
