import Crypto
import Testing

@testable import MedLedgerCore

/// The people of the contract tests. Each has their own P-256 key in a ``ContractWorld``.
enum Persona: String, CaseIterable, Sendable, CustomTestStringConvertible {
    /// The first system administrator, from the genesis entry.
    case systemAdmin
    /// The administrator of the hospital ``ContractWorld/hospital``.
    case hospitalAdmin
    /// A verified doctor of the hospital.
    case doctor
    /// A doctor who registered and waits for verification.
    case pendingDoctor
    /// A doctor whose verification the hospital's administrator rejected.
    case rejectedDoctor
    /// A verified doctor the hospital's administrator suspended.
    case suspendedDoctor
    case auditor
    /// Hospital-management staff of the hospital.
    case management
    /// Staff of the pharmacy ``ContractWorld/pharmacy``.
    case pharmacist
    case patient
    case secondPatient
    /// A key with no account.
    case newcomer
    /// A second auditor; in the standard world it records a failed tally check of the prescription.
    case reviewer
    /// A key administrators register in tests; it never signs in the standard world.
    case newStaff
    /// The node's service key, which the genesis entry names: it records tally checks and pings.
    case node

    var testDescription: String { rawValue }

    /// The role of this persona's account in the standard world (nil: no account).
    var role: Role? {
        switch self {
        case .systemAdmin, .hospitalAdmin: .admin
        case .doctor, .pendingDoctor, .rejectedDoctor, .suspendedDoctor: .doctor
        case .auditor, .reviewer: .auditor
        case .management: .hospitalManagement
        case .pharmacist: .pharmacy
        case .patient, .secondPatient: .patient
        case .newcomer, .newStaff, .node: nil
        }
    }

    /// The personas that sign in the authorization matrix.
    static let signing: [Persona] = [
        .systemAdmin, .hospitalAdmin, .doctor, .pendingDoctor, .rejectedDoctor, .suspendedDoctor, .auditor, .management,
        .pharmacist, .patient, .secondPatient, .newcomer,
    ]
}

/// Why a harness step failed (a setup step was denied, or the engine returned no outcome).
struct HarnessError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A content id shaped like the content store's (a base32 CIDv1), distinct for each seed.
func cid(_ seed: String) -> String {
    let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
    return "bafkrei" + String(SHA256.hash(data: Array(seed.utf8)).map { alphabet[Int($0 & 31)] })
}

/// An in-memory ledger for contract tests: a contract state, the next entry index and a block time
/// the test sets, with a key for every ``Persona``. Every submission is signed, parsed by the
/// envelope verifier exactly as the node parses entries, and applied by ``ContractEngine``.
struct ContractWorld {
    static let hospital = "st-marys"
    static let pharmacy = "high-street-pharmacy"
    /// The patient's prescription the standard world creates (written by the doctor later suspended).
    static let prescription = "rx-1"
    /// The reviewer's grant from the patient in the standard world.
    static let reviewerGrant = "g-reviewer"
    /// Block time of the first entry (Unix milliseconds).
    static let startTime: Int64 = 1_795_000_000_000

    static let verifier = EnvelopeVerifier(registry: ContractEngine.registry)

    /// One applied transaction, kept so tests can replay the ledger.
    struct Entry: Sendable {
        let transaction: VerifiedTransaction
        let index: UInt64
        let time: Int64
    }

    private(set) var state = ContractState()
    private(set) var nextIndex: UInt64 = 0
    /// The block time the next submission is applied at.
    var time: Int64 = ContractWorld.startTime
    /// Every event, in ledger order.
    private(set) var events: [AuditEvent] = []
    /// Every applied transaction, in ledger order.
    private(set) var entries: [Entry] = []
    let signers: [Persona: EnvelopeSigner]

    /// A world with fresh keys and an empty state (before genesis).
    init() {
        signers = Dictionary(uniqueKeysWithValues: Persona.allCases.map { ($0, EnvelopeSigner(key: P256.Signing.PrivateKey())) })
    }

    /// This world's keys and ledger position with another state (e.g. one rebuilt from stored objects).
    func with(state: ContractState) -> ContractWorld {
        var copy = self
        copy.state = state
        return copy
    }

    func signer(_ persona: Persona) -> EnvelopeSigner { signers[persona]! }
    func address(_ persona: Persona) -> AccountAddress { signer(persona).address }
    /// The persona's public key as bodies spell keys.
    func publicKey(_ persona: Persona) -> String { signer(persona).payloadKey }
    func account(_ persona: Persona) -> Account? { state.accounts[address(persona)] }

    // MARK: Submitting

    /// Signs `body` as `persona` and parses the envelope, without applying it.
    func transaction(_ body: some TransactionBody, by persona: Persona) throws -> VerifiedTransaction {
        try Self.verifier.parse(signer(persona).sign(body, expires: time + 60_000))
    }

    /// Signs `body` as `persona`, parses it and applies it at the next index and the current time.
    @discardableResult
    mutating func submit(_ body: some TransactionBody, by persona: Persona) throws -> ContractOutcome {
        try apply(transaction(body, by: persona))
    }

    /// Applies an already parsed transaction at the next index and the current time.
    @discardableResult
    mutating func apply(_ transaction: VerifiedTransaction) throws -> ContractOutcome {
        guard let outcome = ContractEngine.apply(transaction, index: nextIndex, time: time, to: &state) else {
            throw HarnessError("\(transaction.type) gave no contract outcome")
        }
        entries.append(Entry(transaction: transaction, index: nextIndex, time: time))
        events.append(outcome.event)
        nextIndex += 1
        return outcome
    }

    /// Submits a step the test depends on; throws when the contract denies it.
    @discardableResult
    mutating func require(_ body: some TransactionBody, by persona: Persona) throws -> ContractOutcome {
        let outcome = try submit(body, by: persona)
        guard outcome.allowed else { throw HarnessError("setup step by \(persona) was denied: \(outcome.event.message)") }
        return outcome
    }

    mutating func advance(seconds: Int64) { time += seconds * 1000 }

    /// The node records a tally check of `record` it ran for `auditor` (as `POST /v1/audit/tally`
    /// does): signed with the node's service key, against the checkpoint before this entry.
    @discardableResult
    mutating func recordTally(of record: String, for auditor: Persona, result: TallyResult) throws -> ContractOutcome {
        let body = RecordTally(
            record: record, auditor: address(auditor), result: result, checkpointSize: max(nextIndex, 1),
            discrepancies: result == .tallies ? 0 : 1)
        return try require(body, by: .node)
    }

    // MARK: Worlds

    /// A ledger holding only its genesis entry: the system administrator.
    static func genesis() throws -> ContractWorld {
        var world = ContractWorld()
        try world.require(
            GenesisBody(origin: "contracts.test/log", admin: world.publicKey(.systemAdmin), adminName: "System Admin", service: world.publicKey(.node)),
            by: .systemAdmin)
        return world
    }

    /// The standard cast: a hospital (with its administrator, management staff and four doctors: verified,
    /// pending, rejected, suspended), a pharmacy with its pharmacist, two auditors and two patients.
    ///
    /// With `records`, the doctor later suspended (through an appointment the patient has since
    /// cancelled, so no care relationship remains) wrote the patient's prescription ``prescription``, and the patient granted
    /// the reviewer everything; the node recorded a failed tally check of the prescription for the
    /// reviewer (`tally`).
    ///
    /// `whileVerified` runs before the rejected and suspended doctors lose their standing, so tests can
    /// give them grants, appointments or break-glass access they would hold in a real history.
    static func standard(
        records: Bool = true, tally: Bool = true, whileVerified: (inout ContractWorld) throws -> Void = { _ in }
    ) throws -> ContractWorld {
        var world = try genesis()
        try world.require(CreateOrganization(id: hospital, name: "St Mary's Hospital", kind: .hospital), by: .systemAdmin)
        try world.require(CreateOrganization(id: pharmacy, name: "High Street Pharmacy", kind: .pharmacy), by: .systemAdmin)
        try world.require(AddAdmin(publicKey: world.publicKey(.hospitalAdmin), displayName: "Hospital Admin", organization: hospital), by: .systemAdmin)
        try world.require(
            CreateAccount(publicKey: world.publicKey(.pharmacist), role: .pharmacy, displayName: "Pat Pharmacist", organization: pharmacy),
            by: .systemAdmin)
        // The hospital's administrator creates its own staff; the organization defaults to theirs.
        try world.require(CreateAccount(publicKey: world.publicKey(.management), role: .hospitalManagement, displayName: "Morgan Manager"), by: .hospitalAdmin)
        try world.require(CreateAccount(publicKey: world.publicKey(.auditor), role: .auditor, displayName: "Avery Auditor"), by: .systemAdmin)
        try world.require(CreateAccount(publicKey: world.publicKey(.reviewer), role: .auditor, displayName: "Robin Reviewer"), by: .systemAdmin)
        for doctor in [Persona.doctor, .pendingDoctor, .rejectedDoctor, .suspendedDoctor] {
            try world.require(
                RegisterDoctor(
                    displayName: "Dr \(doctor.rawValue)", speciality: "General practice", licence: "GMC-\(doctor.rawValue)",
                    certificate: world.certificate(doctor), organization: hospital),
                by: doctor)
        }
        for doctor in [Persona.doctor, .rejectedDoctor, .suspendedDoctor] {
            try world.require(VerifyDoctor(doctor: world.address(doctor), decision: .approve, certificate: world.certificate(doctor)), by: .hospitalAdmin)
        }
        try world.require(RegisterPatient(profile: cid("profile of patient")), by: .patient)
        try world.require(RegisterPatient(profile: cid("profile of second patient")), by: .secondPatient)

        if records {
            // Written by the doctor who is later suspended, so what the verified doctor may read
            // depends on grants alone (an author reads what they wrote without one).
            try world.require(BookAppointment(id: "appt-first", doctor: world.address(.suspendedDoctor), time: world.time + 3_600_000), by: .patient)
            try world.require(AcceptAppointment(appointment: "appt-first"), by: .suspendedDoctor)
            try world.require(
                CreateRecord(id: prescription, patient: world.address(.patient), category: .prescriptions, content: cid("rx-1 v1")),
                by: .suspendedDoctor)
            try world.require(CancelAppointment(appointment: "appt-first"), by: .patient)
            try world.require(CreateGrant(id: reviewerGrant, grantee: world.address(.reviewer), scope: .all), by: .patient)
            if tally {
                try world.recordTally(of: prescription, for: .reviewer, result: .discrepancy)
            }
        }

        try whileVerified(&world)

        try world.require(VerifyDoctor(doctor: world.address(.rejectedDoctor), decision: .reject, certificate: world.certificate(.rejectedDoctor)), by: .hospitalAdmin)
        try world.require(SuspendAccount(account: world.address(.suspendedDoctor)), by: .hospitalAdmin)
        return world
    }

    /// The licence certificate a doctor persona uploads.
    func certificate(_ doctor: Persona) -> String { cid("certificate of \(doctor.rawValue)") }
}
