/// The patient-profile rule, the one place it lives: who may read a patient's profile besides the
/// patient, and how much of it. ``ViewProfile`` applies it to one profile, ``ViewNames`` to each
/// name of a bounded list.
extension ContractState {
    /// How much of `patient`'s profile `reader` (another account) may see at `time`, and whether
    /// only break-glass access allows it (the read is then flagged); or why not.
    ///
    /// Administrators keep accounts and register facts, not patients' details: they never read a
    /// patient's profile. Others need an active grant from the patient, or, for doctors, a care
    /// relationship (appointment or break-glass).
    func patientProfileDisclosure(
        of patient: Account, to reader: Account, at time: Int64
    ) throws(ContractDenial) -> (disclosure: ProfileDisclosure, breakGlass: Bool) {
        guard reader.role != .admin else { throw ContractDenial("administrators do not read patients' profiles") }
        guard let disclosure = ProfileDisclosure.ofPatientProfile(to: reader.role) else {
            throw ContractDenial("the patient has not granted access")
        }
        let granted = grants(from: patient.address, to: reader.address).contains { $0.isActive(at: time) }
        if granted { return (disclosure, false) }
        guard reader.role == .doctor, let basis = careBasis(doctor: reader.address, patient: patient.address, at: time) else {
            throw ContractDenial("the patient has not granted access")
        }
        return (disclosure, basis == .breakGlass)
    }
}

extension ContractState {
    /// The events an events read returns, as `reader` is shown them: about one patient (the query's
    /// patient, or its record's), each event another account made shows only that patient
    /// (``AuditEvent/disclosed(about:)``). System administrators, and readers of their own actions,
    /// see events whole.
    public func eventsShown(_ events: [AuditEvent], query: AuditQuery, to reader: AccountAddress) -> [AuditEvent] {
        if accounts[reader]?.isSystemAdmin == true { return events }
        guard let patient = query.patient ?? query.record.flatMap({ records[$0]?.patient }) else { return events }
        return events.map { $0.actor == reader ? $0 : $0.disclosed(about: patient) }
    }
}
