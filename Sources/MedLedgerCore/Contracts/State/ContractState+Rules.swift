/// The rules several actions share: who is an active account, and who may read, change or audit a
/// record. Each lives here once.
extension ContractState {
    /// How an account reaches a record.
    public enum RecordAccess: Sendable, Equatable {
        /// The record's patient.
        case owner
        /// Through this grant.
        case grant(Grant)
        /// Through this break-glass access.
        case breakGlass(BreakGlassAccess)
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

    /// An active patient account.
    func activePatient(_ address: AccountAddress) throws(ContractDenial) -> Account {
        guard let account = accounts[address], account.role == .patient else { throw ContractDenial("no such patient") }
        guard account.status == .active else { throw ContractDenial("the patient's account is not active") }
        return account
    }

    /// A record that exists (deleted or not).
    func existingRecord(_ id: String) throws(ContractDenial) -> MedicalRecord {
        guard let record = records[id] else { throw ContractDenial("no such record") }
        return record
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

    /// How `account` may read `record`'s content at `time`, or why not.
    ///
    /// The patient always may. Doctors, hospital management and pharmacies need a covering grant
    /// (doctors: or break-glass). Auditors need a covering grant *and* a recorded tally check of the
    /// record that failed. Deleted records stay readable only to the patient and auditors.
    func readAccess(to record: MedicalRecord, by account: Account, at time: Int64) throws(ContractDenial) -> RecordAccess {
        if account.address == record.patient { return .owner }
        switch account.role {
        case .doctor, .hospitalManagement, .pharmacy:
            guard record.deleted == nil else { throw ContractDenial("the record was deleted") }
            if let grant = coveringGrant(of: record, to: account, at: time) { return .grant(grant) }
            if account.role == .doctor, let access = activeBreakGlass(by: account.address, to: record.patient, at: time) {
                return .breakGlass(access)
            }
            throw ContractDenial("no active grant covers this record")
        case .auditor:
            guard let grant = coveringGrant(of: record, to: account, at: time) else {
                throw ContractDenial("no active grant covers this record")
            }
            guard record.tally?.result == .discrepancy else {
                throw ContractDenial("an auditor may open a record only after a recorded tally check failed")
            }
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
        /// An accepted or completed appointment, or an active grant.
        case care
        /// Only active break-glass access (the write is then flagged).
        case breakGlass
    }

    /// The reason `doctor` may write into `patient`'s records, or nil: an accepted or completed
    /// appointment or an active grant, else break-glass access.
    func careBasis(doctor: AccountAddress, patient: AccountAddress, at time: Int64) -> CareBasis? {
        let appointment = (appointmentsByAccount[doctor] ?? []).contains { id in
            guard let appointment = appointments[id] else { return false }
            return appointment.patient == patient && (appointment.status == .accepted || appointment.status == .completed)
        }
        if appointment || grants(from: patient, to: doctor).contains(where: { $0.isActive(at: time) }) { return .care }
        return activeBreakGlass(by: doctor, to: patient, at: time) == nil ? nil : .breakGlass
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
