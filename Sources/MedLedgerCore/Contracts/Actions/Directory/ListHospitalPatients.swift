/// `hospital.patients`: a hospital's management lists the hospital's patients — those with a grant
/// in force to one of the hospital's accounts (its management or its doctors), and those with
/// appointments with its doctors — with why each is listed. Only ids and counts: names are read
/// through ``ViewNames`` under the profile rule.
public struct ListHospitalPatients: ContractAction, Equatable {
    public static let transactionType = "hospital.patients"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list the patients of"

    /// The most patients one answer lists (the most recently seen first).
    public static let resultLimit = 500

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "a hospital"
        let manager = try state.activeAccount(context.actor, role: .hospitalManagement)
        guard let id = manager.organization, let hospital = state.organizations[id], hospital.kind == .hospital else {
            throw ContractDenial("the account belongs to no hospital")
        }
        facts.object = "hospital \(hospital.id)"
        var rows: [AccountAddress: HospitalPatient] = [:]
        func row(_ patient: AccountAddress) -> HospitalPatient? {
            guard let account = state.accounts[patient], account.role == .patient, account.status == .active else { return nil }
            return rows[patient] ?? HospitalPatient(patient: patient, grants: 0, appointments: 0)
        }
        for staff in state.accounts.values where staff.organization == hospital.id && staff.status == .active
            && (staff.role == .hospitalManagement || staff.role == .doctor)
        {
            for grantID in state.grantsByAccount[staff.address] ?? [] {
                guard let grant = state.grants[grantID], grant.grantee == staff.address, grant.isActive(at: context.time),
                    var entry = row(grant.patient)
                else { continue }
                entry.grants += 1
                rows[grant.patient] = entry
            }
            guard staff.role == .doctor else { continue }
            for appointmentID in state.appointmentsByAccount[staff.address] ?? [] {
                guard let appointment = state.appointments[appointmentID], appointment.doctor == staff.address,
                    appointment.status != .deleted, var entry = row(appointment.patient)
                else { continue }
                entry.appointments += 1
                entry.latestAppointment = max(entry.latestAppointment ?? appointment.time, appointment.time)
                rows[appointment.patient] = entry
            }
        }
        let sorted = rows.values.sorted { ($1.latestAppointment ?? 0, $0.patient.rawValue) < ($0.latestAppointment ?? 0, $1.patient.rawValue) }
        return .hospitalPatients(Array(sorted.prefix(Self.resultLimit)))
    }
}
