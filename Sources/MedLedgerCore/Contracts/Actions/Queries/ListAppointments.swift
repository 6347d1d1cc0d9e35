/// `appointments.list`: the caller's appointments, as patient or as doctor.
public struct ListAppointments: ContractAction, Equatable {
    public static let transactionType = "appointments.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list appointments"

    public init() {}

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        _ = try state.activeAccount(context.actor, role: .patient, .doctor)
        return .appointments((state.appointmentsByAccount[context.actor] ?? []).compactMap { state.appointments[$0] })
    }
}
