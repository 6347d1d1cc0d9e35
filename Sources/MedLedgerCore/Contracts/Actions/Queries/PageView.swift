/// `page.view`: everything one page shows, read as one ledger entry. A signed-in page used to make
/// one audited read per list, name and reason it showed; a page view holds those reads
/// (``PageRead``, at most ``readLimit``) and the contracts decide each with that read's own rule —
/// its role gate, its content rule and its action's rule (``ContractEngine/decideRule(_:context:state:session:)``)
/// — in the order listed, on the state the earlier reads left (a one-time grant the first read
/// consumes is consumed for the second).
///
/// The entry's one audit event names everything the page touched: every patient and record any of
/// its reads named (``AuditEvent/otherPatients``, ``AuditEvent/otherRecords``), every patient whose
/// name a ``ViewNames`` read showed, and in its message each read's own sentence, refused ones
/// marked with their reason. So each patient's activity and each record's trail show the page view
/// that showed anything of theirs. The view is allowed when at least one read was; when every read
/// was refused it is denied, with the reason of the first.
public struct PageView: ContractAction {
    public static let transactionType = "page.view"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view a page"

    /// The most reads one page view may hold.
    public static let readLimit = 16

    public var reads: [PageRead]

    public init(reads: [PageRead]) { self.reads = reads }

    public init(_ reads: [any ContractAction]) { self.reads = reads.map(PageRead.init) }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        guard (1...Self.readLimit).contains(reads.count) else {
            throw BodyValidationError("reads must list 1 to \(Self.readLimit) reads")
        }
        for (position, read) in reads.enumerated() {
            do {
                try read.action.validate(in: context)
            } catch {
                throw BodyValidationError("reads[\(position)] (\(read.type)): \(error.reason)")
            }
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        var answers: [PageReadAnswer] = []
        var sentences: [String] = []
        var patients: [AccountAddress] = []
        var records: [String] = []
        var firstDenial: ContractDenial?
        func name(_ patient: AccountAddress?) {
            if let patient, !patients.contains(patient) { patients.append(patient) }
        }
        for read in reads {
            let decision = ContractEngine.decideRule(read.action, context: context, state: &state)
            let part = decision.facts
            name(part.patient)
            part.otherPatients.forEach(name)
            for record in [part.record].compactMap({ $0 }) + part.otherRecords where !records.contains(record) { records.append(record) }
            if facts.doctor == nil { facts.doctor = part.doctor }
            if facts.auditor == nil { facts.auditor = part.auditor }
            if let denial = decision.denial {
                firstDenial = firstDenial ?? denial
                answers.append(.refused(denial.reason))
                sentences.append("refused: " + Self.lowercasingFirst(decision.sentence) + " — " + denial.reason)
                continue
            }
            if part.breakGlass { facts.breakGlass = true }
            // A names read names the patients whose names it showed (its body may list several).
            if case .names(let shown)? = decision.answer { shown.map(\.account.address).forEach(name) }
            answers.append(decision.answer.map(PageReadAnswer.answered) ?? .refused("the read gave no answer"))
            sentences.append(Self.lowercasingFirst(decision.sentence))
        }
        facts.patient = patients.first
        facts.otherPatients = Array(patients.dropFirst())
        facts.record = records.first
        facts.otherRecords = Array(records.dropFirst())
        facts.object = "(" + sentences.joined(separator: "; ") + ")"
        if let firstDenial, !answers.contains(where: { $0.answer != nil }) {
            throw ContractDenial(reads.count == 1 ? firstDenial.reason : "every read of the page was refused (first: \(firstDenial.reason))")
        }
        return .page(answers)
    }

    /// A read's sentence as a clause of the page view's message ("View record…" → "view record…").
    private static func lowercasingFirst(_ sentence: String) -> String {
        sentence.prefix(1).lowercased() + sentence.dropFirst()
    }
}
