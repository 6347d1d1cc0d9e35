/// `system.parameters`: a system administrator sets grant, break-glass, tally-access and care
/// follow-up lengths.
public struct SetParameters: ContractAction, Equatable {
    public static let transactionType = "system.parameters"
    public static let eventStatus = EventStatus.changed
    public static let summary = "set system parameters"

    public var parameters: SystemParameters

    public init(parameters: SystemParameters) { self.parameters = parameters }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        let p = parameters
        guard (60...(10 * 366 * 86_400)).contains(p.maxGrantSeconds) else {
            throw BodyValidationError("maxGrantSeconds must be between 60 seconds and 10 years")
        }
        guard (60...p.maxGrantSeconds).contains(p.defaultGrantSeconds) else {
            throw BodyValidationError("defaultGrantSeconds must be between 60 seconds and maxGrantSeconds")
        }
        guard (300...(72 * 3_600)).contains(p.breakGlassSeconds) else {
            throw BodyValidationError("breakGlassSeconds must be between 5 minutes and 72 hours")
        }
        guard (300...(30 * 86_400)).contains(p.tallyAccessSeconds) else {
            throw BodyValidationError("tallyAccessSeconds must be between 5 minutes and 30 days")
        }
        guard (0...SystemParameters.maxCareFollowUpSeconds).contains(p.careFollowUpSeconds) else {
            throw BodyValidationError("careFollowUpSeconds must be between 0 and 90 days")
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "parameters"
        let admin = try state.activeAccount(context.actor, role: .admin)
        guard admin.isSystemAdmin else { throw ContractDenial("only a system administrator sets system parameters") }
        state.save(parameters)
        return nil
    }
}
