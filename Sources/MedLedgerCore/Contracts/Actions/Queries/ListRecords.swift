/// `records.list`: the records of a patient the caller may see (metadata and CIDs, no content):
/// all of them for the patient; those covered by an active grant (or break-glass) for others, and
/// for a doctor also the records they wrote a version of.
public struct ListRecords: ContractAction, Equatable {
    public static let transactionType = "records.list"
    public static let eventStatus = EventStatus.queried
    public static let summary = "list records"

    public var patient: AccountAddress

    public init(patient: AccountAddress) { self.patient = patient }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {}

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.patient = patient
        facts.object = "of patient \(patient)"
        let account = try state.activeAccount(context.actor)
        let all = try state.patientRecords(patient)
        if account.address == patient { return .records(all) }
        guard account.role != .admin, account.role != .patient else {
            throw ContractDenial("only the patient and accounts they granted may list these records")
        }
        if account.role == .doctor, state.activeBreakGlass(by: account.address, to: patient, at: context.time) != nil {
            facts.breakGlass = true
            return .records(all.filter { $0.deleted == nil })
        }
        // A doctor may read the versions they wrote without a grant (``ContractState/readAccess(to:version:by:at:)``),
        // so the records they wrote are listed to them; every other record only under a grant.
        let authored = account.role == .doctor ? all.filter { $0.deleted == nil && $0.versions.contains { $0.author == account.address } } : []
        guard state.grants(from: patient, to: account.address).contains(where: { $0.isActive(at: context.time) }) else {
            guard !authored.isEmpty else { throw ContractDenial("the patient has not granted this account access") }
            return .records(authored)
        }
        return .records(all.filter { record in
            (account.role == .auditor || record.deleted == nil)
                && (state.coveringGrant(of: record, to: account, at: context.time) != nil || authored.contains { $0.id == record.id })
        })
    }
}
