/// `profile.names`: the names of a bounded list of patients, for a page that lists them (a doctor's
/// patients, a hospital's patient list, a pharmacy's or auditor's grants). Each name follows the
/// patient-profile rule (``ContractState/patientProfileDisclosure(of:to:at:)``), the same one a
/// `profile.view` of that patient applies; patients the reader may not see, and accounts that are
/// not active patients, are simply left out of the answer, so the page shows their short id. The
/// node decrypts each allowed profile and returns only its name.
///
/// One read per page instead of one per patient. It is audited as one event: naming the patient
/// when the list holds one, and every listed address in its message otherwise.
public struct ViewNames: ContractAction, Equatable {
    public static let transactionType = "profile.names"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view the names of"

    /// The most accounts one read may name.
    public static let accountLimit = 50

    public var accounts: [AccountAddress]

    public init(accounts: [AccountAddress]) { self.accounts = accounts }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        guard (1...Self.accountLimit).contains(accounts.count) else {
            throw BodyValidationError("accounts must list 1 to \(Self.accountLimit) accounts")
        }
        guard Set(accounts).count == accounts.count else { throw BodyValidationError("accounts must not list an account twice") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = accounts.count == 1 ? "patient \(accounts[0])" : "patients " + accounts.map(\.rawValue).joined(separator: ", ")
        if accounts.count == 1, state.accounts[accounts[0]]?.role == .patient { facts.patient = accounts[0] }
        let reader = try state.activeAccount(context.actor)
        guard reader.role != .admin else { throw ContractDenial("administrators do not read patients' profiles") }
        var names: [PatientName] = []
        for address in accounts {
            guard let patient = state.accounts[address], patient.role == .patient, patient.status == .active,
                let content = patient.profile
            else { continue }
            if address == reader.address {
                names.append(PatientName(account: patient, content: content, disclosure: .full))
                continue
            }
            guard let allowed = try? state.patientProfileDisclosure(of: patient, to: reader, at: context.time) else { continue }
            if allowed.breakGlass { facts.breakGlass = true }
            names.append(PatientName(account: patient, content: content, disclosure: allowed.disclosure))
        }
        return .names(names)
    }
}
