/// A visit a patient booked with a verified doctor.
public struct Appointment: Codable, Sendable, Equatable {
    public var id: String
    public var patient: AccountAddress
    public var doctor: AccountAddress
    /// Unix milliseconds of the visit.
    public var time: Int64
    /// CID of the encrypted symptoms the patient described.
    public var symptoms: String?
    public var status: AppointmentStatus
    public var createdAt: UInt64

    public init(
        id: String, patient: AccountAddress, doctor: AccountAddress, time: Int64, symptoms: String?,
        status: AppointmentStatus = .requested, createdAt: UInt64
    ) {
        self.id = id
        self.patient = patient
        self.doctor = doctor
        self.time = time
        self.symptoms = symptoms
        self.status = status
        self.createdAt = createdAt
    }
}

/// The life of an appointment.
public enum AppointmentStatus: String, Codable, Sendable {
    /// Booked by the patient, waiting for the doctor.
    case requested
    case accepted
    case declined
    case completed
    /// Cancelled by the patient.
    case cancelled
    /// Removed from the patient's list by the patient (kept on the ledger).
    case deleted

    /// True while the appointment may still take place.
    public var isOpen: Bool { self == .requested || self == .accepted }
}
