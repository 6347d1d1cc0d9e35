/// The rule for reads an app's token signs (a ``Session`` with an ``Session/app``): the scopes
/// the owner granted on the authorise page decide, read by read, inside the contracts. It is the
/// only place that maps a contract read onto the FHIR resource types it reveals.
///
/// - Before the action runs (``admit(_:session:state:)``): the app must still be registered, and
///   some granted scope must allow reading (or searching) a resource type the action reveals.
///   Actions that reveal nothing FHIR serves (invitations, erasure lists, prints) are refused.
/// - After it ran (``confine(_:session:facts:actor:state:)``): a record read must be of a category
///   a granted scope covers (prescriptions are MedicationRequest, immunizations Immunization, every
///   other category DocumentReference; a download is also covered by Binary), a record list keeps
///   only such records, and under `patient/` scopes alone everything read must be about the
///   launch patient.
public enum AppScopeRule {
    /// What an action reveals: the resource types any of which a scope must cover, and whether it
    /// reads one resource or searches.
    public struct Coverage: Sendable {
        public var types: Set<String>
        public var interaction: SMARTScope.Interaction
    }

    static let recordTypes: Set<String> = ["DocumentReference", "MedicationRequest", "Immunization"]

    /// Reads of one record's content, which its category's type (or Binary) must cover.
    static let contentReads: Set<String> = [
        ViewRecord.transactionType, DownloadRecord.transactionType, ReportContentFailure.transactionType,
    ]

    /// The coverage of each read an app may make, by transaction type. `page.view` is decided read
    /// by read; `session.close` (an app ending its own token) is always allowed.
    public static let coverage: [String: Coverage] = [
        ViewProfile.transactionType: Coverage(types: ["Patient", "Practitioner"], interaction: .read),
        ViewNames.transactionType: Coverage(types: ["Patient", "Practitioner"], interaction: .read),
        LookUpPatient.transactionType: Coverage(types: ["Patient"], interaction: .search),
        SearchDirectory.transactionType: Coverage(types: ["Practitioner", "Organization"], interaction: .search),
        ListAccounts.transactionType: Coverage(types: ["Practitioner", "Patient"], interaction: .search),
        ListOrganizations.transactionType: Coverage(types: ["Organization"], interaction: .search),
        ListAppointments.transactionType: Coverage(types: ["Appointment"], interaction: .search),
        ListRecords.transactionType: Coverage(types: recordTypes, interaction: .search),
        ViewRecord.transactionType: Coverage(types: recordTypes, interaction: .read),
        DownloadRecord.transactionType: Coverage(types: recordTypes.union(["Binary"]), interaction: .read),
        // Content that failed its check while an app read it is reported on the trail like any
        // reader's report (a profile's for Patient or Practitioner).
        ReportContentFailure.transactionType: Coverage(types: recordTypes.union(["Binary", "Patient", "Practitioner"]), interaction: .read),
        ListGrants.transactionType: Coverage(types: ["Consent"], interaction: .search),
        QueryEvents.transactionType: Coverage(types: ["AuditEvent"], interaction: .search),
        QueryTrail.transactionType: Coverage(types: ["AuditEvent", "Provenance"], interaction: .search),
    ]

    /// The FHIR resource type a record of `category` is served as.
    public static func resourceType(of category: RecordCategory) -> String {
        switch category {
        case .prescriptions: "MedicationRequest"
        case .immunizations: "Immunization"
        case .visitNotes, .labResults, .reports, .medicalHistory: "DocumentReference"
        }
    }

    /// Refuses, before it runs, a read the app's scopes cannot cover.
    static func admit(_ type: String, session: Session, state: ContractState) throws(ContractDenial) {
        guard let app = session.app else { return }
        guard let registered = state.apps[app], registered.isActive else { throw ContractDenial("the app was retired") }
        if type == PageView.transactionType || type == CloseSession.transactionType { return }
        guard let coverage = coverage[type] else { throw ContractDenial("an app may not do \(type)") }
        guard !scopes(session.resourceScopes, covering: coverage.types, coverage.interaction).isEmpty else {
            let wanted = coverage.types.sorted().joined(separator: " or ")
            throw ContractDenial("the app was not granted \(coverage.interaction == .read ? "reading" : "searching") \(wanted)")
        }
    }

    /// Holds an allowed read's answer to the app's scopes; throws when what it read lies outside
    /// them. Returns the answer to give (a record list keeps only covered categories).
    static func confine(
        _ answer: QueryAnswer?, type: String, session: Session, facts: EventFacts, actor: AccountAddress, state: ContractState
    ) throws(ContractDenial) -> QueryAnswer? {
        guard session.app != nil, let coverage = coverage[type] else { return answer }
        // Parsed once: a record list may hold thousands of records.
        let granted = session.resourceScopes
        var granting = scopes(granted, covering: coverage.types, coverage.interaction)
        if contentReads.contains(type), let id = facts.record, let record = state.records[id] {
            var types: Set<String> = [resourceType(of: record.category)]
            if type != ViewRecord.transactionType { types.insert("Binary") }
            granting = scopes(granted, covering: types, coverage.interaction)
            guard !granting.isEmpty else { throw ContractDenial("the app was not granted reading \(resourceType(of: record.category))") }
        }
        var answer = answer
        if case .records(let records)? = answer {
            var covered: [RecordCategory: Bool] = [:]
            for category in RecordCategory.allCases {
                covered[category] = !scopes(granted, covering: [resourceType(of: category)], .search).isEmpty
            }
            answer = .records(records.filter { covered[$0.category] == true })
        }
        // Under patient/ scopes alone, everything read must be in the launch patient's compartment.
        if !granting.contains(where: { $0.context == .user }) {
            guard let patient = session.patient else { throw ContractDenial("patient/ scopes need a launch patient") }
            let named = (facts.patient.map { [$0] } ?? []) + facts.otherPatients
            guard named.allSatisfy({ $0 == patient }), !named.isEmpty || actor == patient else {
                throw ContractDenial("the app's patient/ scopes reach only the launch patient's records")
            }
        }
        return answer
    }

    private static func scopes(_ granted: [SMARTScope], covering types: Set<String>, _ interaction: SMARTScope.Interaction) -> [SMARTScope] {
        granted.filter { scope in types.contains { scope.permits($0, interaction) } }
    }
}
