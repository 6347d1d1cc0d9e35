/// One patient of a hospital, as its management's patient list shows them (``ListHospitalPatients``):
/// why the patient belongs to the hospital, never anything about their health.
public struct HospitalPatient: Codable, Sendable, Equatable {
    public var patient: AccountAddress
    /// Grants in force from the patient to the hospital's accounts (its management and doctors).
    public var grants: Int
    /// Appointments of the patient with the hospital's doctors (any status but deleted).
    public var appointments: Int
    /// Unix milliseconds of the latest of those appointments, if any.
    public var latestAppointment: Int64?

    public init(patient: AccountAddress, grants: Int, appointments: Int, latestAppointment: Int64? = nil) {
        self.patient = patient
        self.grants = grants
        self.appointments = appointments
        self.latestAppointment = latestAppointment
    }
}
