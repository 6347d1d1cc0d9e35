/// `appointment.book`: a patient books a visit with a verified doctor.
public struct BookAppointment: ContractAction, Equatable {
    public static let transactionType = "appointment.book"
    public static let eventStatus = EventStatus.booked
    public static let summary = "book appointment"

    public var id: String
    public var doctor: AccountAddress
    /// Unix milliseconds of the visit; must be after the block's time.
    public var time: Int64
    /// CID of the encrypted symptoms.
    public var symptoms: String?

    public init(id: String, doctor: AccountAddress, time: Int64, symptoms: String? = nil) {
        self.id = id
        self.doctor = doctor
        self.time = time
        self.symptoms = symptoms
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(id, field: "id")
        try Validation.optionalContentID(symptoms, field: "symptoms")
        guard time > 0 else { throw BodyValidationError("time must be Unix milliseconds") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "appointment \(id)"
        facts.doctor = doctor
        _ = try state.activeAccount(context.actor, role: .patient)
        guard let account = state.accounts[doctor], account.role == .doctor, account.status == .active else {
            throw ContractDenial("no verified, active doctor has this address")
        }
        guard state.appointments[id] == nil else { throw ContractDenial("an appointment with this id exists") }
        guard time > context.time else { throw ContractDenial("the appointment time has passed") }
        state.save(Appointment(id: id, patient: context.actor, doctor: doctor, time: time, symptoms: symptoms, createdAt: context.index))
        return nil
    }
}
