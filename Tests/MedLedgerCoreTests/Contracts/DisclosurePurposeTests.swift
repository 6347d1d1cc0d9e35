import Testing

@testable import MedLedgerCore

/// The purpose an accounting of disclosures states for each event, and the action in words.
@Suite("disclosure purpose")
struct DisclosurePurposeTests {
    static let patient = AccountAddress("ml" + String(repeating: "01", count: 20))!
    static let other = AccountAddress("ml" + String(repeating: "02", count: 20))!

    static func event(
        actor: AccountAddress = other, role: Role?, patient: AccountAddress? = patient, action: String = "record.view",
        outcome: EventOutcome = .allowed, breakGlass: Bool = false
    ) -> AuditEvent {
        AuditEvent(
            index: 7, time: 1_795_000_000_000, action: action, status: .viewed, outcome: outcome, message: "View record r-1 v1",
            actor: actor, actorRole: role, patient: patient, record: "r-1", version: 1, breakGlass: breakGlass
        )
    }

    @Test(
        "each role acting on a patient's records has its purpose",
        arguments: [
            (Role.doctor, DisclosurePurpose.treatment), (.auditor, .audit), (.pharmacy, .dispensing),
            (.hospitalManagement, .hospitalAdministration), (.admin, .systemAdministration),
        ]
    )
    func roles(role: Role, expected: DisclosurePurpose) {
        #expect(DisclosurePurpose.of(Self.event(role: role)) == expected)
        // Denied attempts keep the purpose the role implies; the outcome says they were refused.
        #expect(DisclosurePurpose.of(Self.event(role: role, outcome: .denied)) == expected)
    }

    @Test("break-glass is emergency access, whatever else the event says")
    func breakGlass() {
        #expect(DisclosurePurpose.of(Self.event(role: .doctor, breakGlass: true)) == .emergency)
        #expect(DisclosurePurpose.of(Self.event(role: .doctor, action: "breakglass.open", breakGlass: true)) == .emergency)
        #expect(DisclosurePurpose.of(Self.event(role: .doctor, outcome: .denied, breakGlass: true)) == .emergency)
        #expect(DisclosurePurpose.of(Self.event(role: .doctor, breakGlass: false)) == .treatment)
    }

    @Test("the patient's own actions are their own access and no disclosure; another patient's or a stranger's have no basis")
    func patientsAndStrangers() {
        let own = DisclosurePurpose.of(Self.event(actor: Self.patient, role: .patient))
        #expect(own == .ownAccess)
        #expect(DisclosurePurpose.of(Self.event(actor: Self.patient, role: .patient, patient: nil)) == .ownAccess)
        let otherPatient = DisclosurePurpose.of(Self.event(actor: Self.other, role: .patient, outcome: .denied))
        #expect(otherPatient == .noBasis)
        #expect(otherPatient != .ownAccess)
        #expect(DisclosurePurpose.of(Self.event(role: nil, outcome: .denied)) == .noBasis)
    }

    @Test("every purpose has its own title and basis, and a refused attempt states no basis")
    func words() {
        let titles = DisclosurePurpose.allCases.map(\.title)
        #expect(Set(titles).count == DisclosurePurpose.allCases.count)
        #expect(DisclosurePurpose.allCases.allSatisfy { !$0.basis.isEmpty && !$0.title.isEmpty })
        #expect(DisclosurePurpose.treatment.basis.contains("grant"))
        #expect(DisclosurePurpose.emergency.title.contains("break-glass"))
        #expect(DisclosurePurpose.audit.basis.contains("authorisation"))
        let allowed = Self.event(role: .doctor)
        let refused = Self.event(role: .doctor, outcome: .denied)
        #expect(DisclosurePurpose.treatment.basis(of: allowed) == DisclosurePurpose.treatment.basis)
        #expect(DisclosurePurpose.treatment.basis(of: refused).contains("refused"))
        #expect(!DisclosurePurpose.treatment.basis(of: refused).contains("grant"))
    }

    @Test("every contract action reads as plain words; a type without a phrase uses the contract's summary, unknown ones their type")
    func actionText() {
        #expect(Self.event(role: .doctor, action: "record.view").actionText == "Viewed a record")
        #expect(Self.event(role: .doctor, action: "breakglass.open").actionText == "Opened emergency (break-glass) access")
        #expect(Self.event(role: .admin, action: "account.suspend").actionText == "Suspended an account")
        #expect(Self.event(role: nil, action: "ledger.ping").actionText == "ledger.ping")
        // Every contract action has a phrase of its own, never the imperative summary or an empty cell.
        for action in ContractEngine.actions {
            let text = Self.event(role: .admin, action: action.transactionType).actionText
            let summary = action.summary.prefix(1).uppercased() + action.summary.dropFirst()
            #expect(!text.isEmpty && text != summary, "\(action.transactionType) has no phrase")
        }
    }
}
