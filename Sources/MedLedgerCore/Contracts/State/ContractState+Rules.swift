/// The rules several actions share: who is an active account, whose records were erased, and who
/// may read, change or audit a record. Each lives here once.
extension ContractState {
    /// How an account reaches a record.
    public enum RecordAccess: Sendable, Equatable {
        /// The record's patient.
        case owner
        /// Through this grant.
        case grant(Grant)
        /// Through this break-glass access.
        case breakGlass(BreakGlassAccess)
        /// As the doctor who wrote the version being read: what a clinician wrote stays readable to
        /// them, so saving a note never leaves its author locked out of it.
        case author
    }

    /// The signer's account, which must exist and be active (an unverified, rejected or suspended
    /// account can do nothing).
    func activeAccount(_ address: AccountAddress) throws(ContractDenial) -> Account {
        guard let account = accounts[address] else { throw ContractDenial("the signer has no account") }
        switch account.status {
        case .active: return account
        case .pending: throw ContractDenial("the account is waiting for an administrator's verification")
        case .rejected: throw ContractDenial("the account's verification was rejected")
        case .suspended: throw ContractDenial("the account is suspended")
        case .removed: throw ContractDenial("the account was removed")
        case .erased: throw erasedDenial(account)
        }
    }

    /// The signer's active account, which must have one of `roles`.
    func activeAccount(_ address: AccountAddress, role roles: Role...) throws(ContractDenial) -> Account {
        let account = try activeAccount(address)
        guard roles.contains(account.role) else {
            throw ContractDenial("a \(account.role.rawValue) account cannot do this")
        }
        return account
    }

    // MARK: Erasure

    /// The erasure rule, the one place it lives: once a system administrator confirmed a patient's
    /// erasure, nothing about that patient may be read or written any more — records, versions,
    /// lists, profile, grants, requests, appointments, dispensing. The lookups call it — the
    /// signer's account (``activeAccount(_:)``), a patient a body names (``activePatient(_:)``), a
    /// record (``existingRecord(_:version:facts:)``), a patient's records (``patientRecords(_:)``),
    /// and where an appointment or a profile is looked up — so every action that reaches the
    /// patient is refused with the same plain sentence, and no action repeats the rule.
    ///
    /// What stays readable is the audit trail, which holds no health data: `audit.events`, and
    /// `audit.trail` for auditors the patient had granted (see ``trailRecord(_:facts:)``).
    func checkNotErased(_ patient: AccountAddress) throws(ContractDenial) {
        guard let account = accounts[patient], account.status == .erased else { return }
        throw erasedDenial(account)
    }

    /// Why nothing about an erased patient is possible: names the entry of the confirmation, so a
    /// reader can look the erasure up on the ledger.
    func erasedDenial(_ account: Account) -> ContractDenial {
        if let entry = account.erasure?.decision?.entry {
            return ContractDenial("the patient's records were erased at entry \(entry); their content no longer exists")
        }
        return ContractDenial("the patient's records were erased; their content no longer exists")
    }

    /// The patient's account with a pending erasure request, for a system administrator to confirm
    /// or decline; or why not.
    func pendingErasure(of patient: AccountAddress, decidedBy actor: AccountAddress, verb: String) throws(ContractDenial) -> (Account, ErasureRequest) {
        let admin = try activeAccount(actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator \(verb) an erasure") }
        guard let account = accounts[patient], account.role == .patient else { throw ContractDenial("no such patient") }
        try checkNotErased(patient)
        guard let request = account.erasure, request.status == .pending else {
            throw ContractDenial("the patient has no pending erasure request")
        }
        return (account, request)
    }

    // MARK: Patients and records

    /// An active patient account (one a body names, not the signer). An erased patient is refused
    /// by the erasure rule.
    func activePatient(_ address: AccountAddress) throws(ContractDenial) -> Account {
        guard let account = accounts[address], account.role == .patient else { throw ContractDenial("no such patient") }
        try checkNotErased(address)
        guard account.status == .active else { throw ContractDenial("the patient's account is not active") }
        return account
    }

    /// A record that exists (deleted or not) and whose patient was not erased. The record (and the
    /// version asked for, else the current one) goes into `facts` first, so even a denial lands on
    /// the record's and the patient's trail.
    func existingRecord(_ id: String, version: Int? = nil, facts: inout EventFacts) throws(ContractDenial) -> MedicalRecord {
        let record = try trailRecord(id, facts: &facts)
        if let version { facts.version = version }
        try checkNotErased(record.patient)
        return record
    }

    /// A record that exists, even when its patient was erased: only for reading its audit trail,
    /// which outlives the content because it holds none (ids, addresses, CIDs, times).
    func trailRecord(_ id: String, facts: inout EventFacts) throws(ContractDenial) -> MedicalRecord {
        guard let record = records[id] else { throw ContractDenial("no such record") }
        facts.about(record)
        return record
    }

    /// Every record of `patient`, oldest first; refused once the patient was erased.
    func patientRecords(_ patient: AccountAddress) throws(ContractDenial) -> [MedicalRecord] {
        try checkNotErased(patient)
        return (recordsByPatient[patient] ?? []).compactMap { records[$0] }
    }

    /// The active grant from the record's patient to `account` that covers `record` at `time`, if
    /// the account's role may hold it. Grants that survive use are preferred over one-time grants.
    func coveringGrant(of record: MedicalRecord, to account: Account, at time: Int64) -> Grant? {
        let candidates = grants(from: record.patient, to: account.address).filter { grant in
            grant.isActive(at: time) && grant.scope.covers(record)
                && (account.role.grantableCategories?.contains(record.category) ?? true)
        }
        return candidates.first { !$0.oneTime } ?? candidates.first
    }

    /// The active break-glass access `doctor` holds to `patient`, if any.
    func activeBreakGlass(by doctor: AccountAddress, to patient: AccountAddress, at time: Int64) -> BreakGlassAccess? {
        breakGlass(by: doctor, to: patient).last { $0.isActive(at: time) }
    }

    /// How `account` may read `version` of `record` (its number; nil for the current one) at
    /// `time`, or why not.
    ///
    /// The patient always may. Doctors, hospital management and pharmacies need a covering grant
    /// (doctors: or break-glass). A doctor may also read, without a grant, a version they wrote
    /// themselves — that version only, not the others, and not once the record was deleted (the
    /// patient's erasure is refused before this rule is reached, by ``existingRecord(_:version:facts:)``).
    /// Auditors need a covering grant *and* their own latest tally check of the record, recorded by
    /// the node, to have failed within `tallyAccessSeconds` (another auditor's check opens nothing).
    /// Deleted records stay readable only to the patient and auditors.
    func readAccess(to record: MedicalRecord, version: Int? = nil, by account: Account, at time: Int64) throws(ContractDenial) -> RecordAccess {
        if account.address == record.patient { return .owner }
        switch account.role {
        case .doctor, .hospitalManagement, .pharmacy:
            guard record.deleted == nil else { throw ContractDenial("the record was deleted") }
            if let grant = coveringGrant(of: record, to: account, at: time) { return .grant(grant) }
            if account.role == .doctor, let access = activeBreakGlass(by: account.address, to: record.patient, at: time) {
                return .breakGlass(access)
            }
            if account.role == .doctor, record.version(version ?? record.current.number)?.author == account.address {
                return .author
            }
            throw ContractDenial("no active grant covers this record")
        case .auditor:
            guard let grant = coveringGrant(of: record, to: account, at: time) else {
                throw ContractDenial("no active grant covers this record")
            }
            guard let tally = record.tally(by: account.address), let until = tally.opensUntil(windowSeconds: parameters.tallyAccessSeconds) else {
                throw ContractDenial("an auditor may open a record only after the node recorded a failed tally check for them")
            }
            guard time < until else { throw ContractDenial("the failed tally check no longer opens the record; run it again") }
            return .grant(grant)
        case .admin, .patient:
            throw ContractDenial("only the patient and accounts they granted may read this record")
        }
    }

    /// How a doctor may change or delete `record` (a reusable grant or break-glass), or why not.
    /// A patient may change and delete the documents they added themselves.
    func changeAccess(to record: MedicalRecord, by account: Account, at time: Int64) throws(ContractDenial) -> RecordAccess {
        guard record.deleted == nil else { throw ContractDenial("the record was deleted") }
        if account.address == record.patient {
            guard record.author == record.patient else { throw ContractDenial("patients change only the documents they added") }
            return .owner
        }
        guard account.role == .doctor else { throw ContractDenial("only doctors change records") }
        if let grant = coveringGrant(of: record, to: account, at: time), !grant.oneTime { return .grant(grant) }
        if let access = activeBreakGlass(by: account.address, to: record.patient, at: time) { return .breakGlass(access) }
        throw ContractDenial("no active grant covers this record")
    }

    /// Why a doctor may write into a patient's records.
    public enum CareBasis: Sendable, Equatable {
        /// An appointment within its care window, or an active grant.
        case care
        /// Only active break-glass access (the write is then flagged).
        case breakGlass
    }

    /// The reason `doctor` may write into `patient`'s records at `time`, or nil: an active grant,
    /// or an accepted or completed appointment whose care window (``careWindowEnd(of:followUpSeconds:)``)
    /// has not closed, else break-glass access.
    ///
    /// The appointment basis does not depend on grants: a patient who revokes every grant still
    /// gets the notes, results and prescriptions of a visit they asked for, written within the
    /// follow-up period (docs/CONTRACTS.md, "Care basis"). It never lets the doctor read
    /// records others wrote; that takes a grant (``readAccess(to:version:by:at:)``, where an author
    /// reads the versions they wrote).
    func careBasis(doctor: AccountAddress, patient: AccountAddress, at time: Int64) -> CareBasis? {
        let followUp = parameters.careFollowUpSeconds
        let appointment = (appointmentsByAccount[doctor] ?? []).contains { id in
            guard let appointment = appointments[id], appointment.patient == patient,
                let end = Self.careWindowEnd(of: appointment, followUpSeconds: followUp)
            else { return false }
            return time < end
        }
        if appointment || grants(from: patient, to: doctor).contains(where: { $0.isActive(at: time) }) { return .care }
        return activeBreakGlass(by: doctor, to: patient, at: time) == nil ? nil : .breakGlass
    }

    /// When an appointment stops giving its doctor a care basis (Unix milliseconds), or nil when
    /// it gives none: an accepted or completed appointment does until `followUpSeconds` after the
    /// visit's time; a requested, declined, cancelled or deleted one never does. Public so the
    /// patient's pages can say until when a doctor may still write.
    public static func careWindowEnd(of appointment: Appointment, followUpSeconds: Int64) -> Int64? {
        guard appointment.status == .accepted || appointment.status == .completed else { return nil }
        let (millis, overflowMillis) = max(0, followUpSeconds).multipliedReportingOverflow(by: 1000)
        let (end, overflowEnd) = appointment.time.addingReportingOverflow(overflowMillis ? .max : millis)
        return overflowMillis || overflowEnd ? .max : end
    }

    // MARK: Keys

    /// The rule for a key that is to become an account (`patient.register`, `doctor.register`,
    /// `account.create`, `admin.add`) or a session key (`session.open`): no account has it and no
    /// session names it. A key that a session names signs as that session's account, so were it
    /// to get an account of its own its owner's transactions would be taken as someone else's.
    func checkKeyIsFree(_ address: AccountAddress) throws(ContractDenial) {
        guard accounts[address] == nil else { throw ContractDenial("this key already has an account") }
        guard sessions[address] == nil else { throw ContractDenial("the key is in use as a session key") }
        guard !isNodeService(address) else { throw ContractDenial("this is the node's service key, which holds no account") }
    }

    /// True when `auditor` holds an active grant covering `record`.
    func auditorCovers(_ record: MedicalRecord, auditor: Account, at time: Int64) -> Bool {
        auditor.role == .auditor && coveringGrant(of: record, to: auditor, at: time) != nil
    }

    /// True when `admin` administers `account`: system admins administer everyone; an
    /// organization's admin administers its members.
    func administers(_ admin: Account, _ account: Account) -> Bool {
        guard admin.role == .admin, admin.status == .active else { return false }
        if admin.isSystemAdmin { return true }
        return account.organization != nil && account.organization == admin.organization && account.role != .admin
    }

    /// The content rule, the one place it lives: a write may name only new content, never a CID
    /// that some record version, profile or document already names (and never one CID twice),
    /// so a grant that covers one record cannot be stretched over another record's content.
    /// The engine applies it to every write's ``ContractAction/contentClaims(in:actor:)``.
    func contentDenial(_ claims: [ContentClaim]) -> ContractDenial? {
        var seen: Set<String> = []
        for claim in claims {
            guard seen.insert(claim.cid).inserted else {
                return ContractDenial("\(claim.field) names content that this transaction already names; each document is uploaded once for one purpose")
            }
            guard !isContentInUse(claim.cid) else {
                return ContractDenial("\(claim.field) names content that is already part of another record or document; upload the document again to use it here")
            }
        }
        return nil
    }

    /// Why `uploader` may not store content sealed for `owner` at `time`, or nil when it may: the
    /// writes that will name the upload decide. Everyone stores their own documents (profile,
    /// certificate, symptoms, a patient's own records); a key with no account only its sign-up
    /// documents. Doctors, hospital staff and pharmacies store for patients (a record they write, an
    /// access request's reason, a break-glass justification; the contracts then check the care
    /// basis or grant). Auditors store sign-off notes for patients who granted them.
    /// Administrators store documents of accounts they create or administer, never a patient's.
    public func uploadDenial(uploader: AccountAddress, owner: AccountAddress, at time: Int64) -> ContractDenial? {
        do throws(ContractDenial) {
            guard let account = accounts[uploader] else {
                guard sessions[uploader] == nil else { throw ContractDenial("a session key cannot upload; sign with the account's key") }
                guard owner == uploader, accounts[owner] == nil else {
                    throw ContractDenial("a key without an account may upload only its own sign-up documents")
                }
                return nil
            }
            _ = try activeAccount(uploader)
            try checkNotErased(owner)
            if owner == uploader { return nil }
            switch account.role {
            case .patient:
                throw ContractDenial("patients upload only their own documents")
            case .doctor, .hospitalManagement, .pharmacy:
                try patientAccount(owner)
            case .auditor:
                try patientAccount(owner)
                guard grants(from: owner, to: uploader).contains(where: { $0.isActive(at: time) }) else {
                    throw ContractDenial("the patient has not granted this auditor access")
                }
            case .admin:
                if let subject = accounts[owner] {
                    guard subject.role != .patient, administers(account, subject) else {
                        throw ContractDenial("administrators upload only documents of accounts they create or administer")
                    }
                }
            }
            return nil
        } catch {
            return error
        }
    }

    /// A patient account (any status but erased, which ``checkNotErased(_:)`` refuses first).
    private func patientAccount(_ address: AccountAddress) throws(ContractDenial) {
        guard accounts[address]?.role == .patient else { throw ContractDenial("content is stored only for patients and for oneself") }
    }

    /// Marks a one-time grant used.
    mutating func consume(_ access: RecordAccess) {
        if case .grant(var grant) = access, grant.oneTime {
            grant.status = .consumed
            save(grant)
        }
    }
}

extension ContractState {
    /// Checks that `scope` over `patient`'s records may be given to an account of `role`:
    /// pharmacies see prescriptions only, hospital management reports, results and prescriptions.
    func checkScope(_ scope: AccessScope, patient: AccountAddress, for role: Role) throws(ContractDenial) {
        let allowed = role.grantableCategories
        switch scope {
        case .all:
            if let allowed {
                throw ContractDenial("a \(role.rawValue) account may be given only \(allowed.sorted().map(\.rawValue).joined(separator: ", "))")
            }
        case .category(let category):
            if let allowed, !allowed.contains(category) {
                throw ContractDenial("a \(role.rawValue) account may not be given \(category.rawValue)")
            }
        case .record(let id):
            guard let record = records[id], record.patient == patient else { throw ContractDenial("no such record of this patient") }
            guard record.deleted == nil else { throw ContractDenial("the record was deleted") }
            if let allowed, !allowed.contains(record.category) {
                throw ContractDenial("a \(role.rawValue) account may not be given \(record.category.rawValue)")
            }
        }
    }

    /// The expiry of a new grant: the requested one, or the default length; within the maximum.
    func grantExpiry(_ requested: Int64?, at time: Int64) throws(ContractDenial) -> Int64 {
        let expires = requested ?? time + parameters.defaultGrantSeconds * 1000
        guard expires > time else { throw ContractDenial("the expiry has passed") }
        guard expires <= time + parameters.maxGrantSeconds * 1000 else {
            throw ContractDenial("a grant may last at most \(parameters.maxGrantSeconds / 86_400) days")
        }
        return expires
    }
}
