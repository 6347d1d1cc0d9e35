/// The body every appointment change shares: which appointment.
public protocol AppointmentChange: ContractAction {
    var appointment: String { get }
    /// Which party may make this change.
    static var party: Role { get }
    /// The statuses the change applies to.
    static var from: Set<AppointmentStatus> { get }
    /// The status afterwards.
    static var to: AppointmentStatus { get }
}

extension AppointmentChange {
    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(appointment, field: "appointment")
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "appointment \(appointment)"
        let existing = state.appointments[appointment]
        facts.patient = existing?.patient
        facts.doctor = existing?.doctor
        _ = try state.activeAccount(context.actor, role: Self.party)
        guard var value = existing, (Self.party == .patient ? value.patient : value.doctor) == context.actor else {
            throw ContractDenial("no such appointment of this \(Self.party.rawValue)")
        }
        try state.checkNotErased(value.patient)
        guard Self.from.contains(value.status) else { throw ContractDenial("the appointment is \(value.status.rawValue)") }
        value.status = Self.to
        state.save(value)
        return nil
    }
}

/// `appointment.cancel`: the patient cancels a booked or accepted appointment.
public struct CancelAppointment: AppointmentChange, Equatable {
    public static let transactionType = "appointment.cancel"
    public static let eventStatus = EventStatus.cancelled
    public static let summary = "cancel"
    public static let party = Role.patient
    public static let from: Set<AppointmentStatus> = [.requested, .accepted]
    public static let to = AppointmentStatus.cancelled
    public var appointment: String
    public init(appointment: String) { self.appointment = appointment }
}

/// `appointment.delete`: the patient removes an appointment from their list (it stays on the ledger).
public struct DeleteAppointment: AppointmentChange, Equatable {
    public static let transactionType = "appointment.delete"
    public static let eventStatus = EventStatus.deleted
    public static let summary = "delete"
    public static let party = Role.patient
    public static let from: Set<AppointmentStatus> = [.requested, .accepted, .declined, .completed, .cancelled]
    public static let to = AppointmentStatus.deleted
    public var appointment: String
    public init(appointment: String) { self.appointment = appointment }
}

/// `appointment.accept`: the doctor accepts a booked appointment.
public struct AcceptAppointment: AppointmentChange, Equatable {
    public static let transactionType = "appointment.accept"
    public static let eventStatus = EventStatus.accepted
    public static let summary = "accept"
    public static let party = Role.doctor
    public static let from: Set<AppointmentStatus> = [.requested]
    public static let to = AppointmentStatus.accepted
    public var appointment: String
    public init(appointment: String) { self.appointment = appointment }
}

/// `appointment.decline`: the doctor declines a booked appointment.
public struct DeclineAppointment: AppointmentChange, Equatable {
    public static let transactionType = "appointment.decline"
    public static let eventStatus = EventStatus.declined
    public static let summary = "decline"
    public static let party = Role.doctor
    public static let from: Set<AppointmentStatus> = [.requested]
    public static let to = AppointmentStatus.declined
    public var appointment: String
    public init(appointment: String) { self.appointment = appointment }
}

/// `appointment.complete`: the doctor marks an accepted appointment as held.
public struct CompleteAppointment: AppointmentChange, Equatable {
    public static let transactionType = "appointment.complete"
    public static let eventStatus = EventStatus.completed
    public static let summary = "complete"
    public static let party = Role.doctor
    public static let from: Set<AppointmentStatus> = [.accepted]
    public static let to = AppointmentStatus.completed
    public var appointment: String
    public init(appointment: String) { self.appointment = appointment }
}
