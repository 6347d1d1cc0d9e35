/// `audit.tally`: the node records the result of a tally check it ran for an auditor (does the
/// record's trail match what the ledger, the state and the content store hold?).
///
/// Only the node's service key (named by the genesis entry) may sign it: the node runs the check
/// (``TallyReport``) when the auditor asks, so no client can assert a result. The auditor must be an
/// active auditor whose grant covers the record when the entry is sequenced. The entry carries
/// counts and a checkpoint size only, never the discrepancies' wording. A failed check lets *that*
/// auditor open the record for `tallyAccessSeconds`; a later check that tallies closes it again.
public struct RecordTally: ContractAction, Equatable {
    public static let transactionType = "audit.tally"
    public static let eventStatus = EventStatus.checked
    public static let summary = "record a tally check of"

    public var record: String
    /// The auditor the node ran the check for.
    public var auditor: AccountAddress
    public var result: TallyResult
    /// Size of the signed checkpoint the check proved the trail against.
    public var checkpointSize: UInt64
    /// How many discrepancies it found.
    public var discrepancies: Int

    public init(record: String, auditor: AccountAddress, result: TallyResult, checkpointSize: UInt64, discrepancies: Int) {
        self.record = record
        self.auditor = auditor
        self.result = result
        self.checkpointSize = checkpointSize
        self.discrepancies = discrepancies
    }

    /// The entry body for a report the node produced for `auditor`.
    public init(report: TallyReport, auditor: AccountAddress) {
        self.init(
            record: report.record, auditor: auditor, result: report.result, checkpointSize: report.checkpointSize,
            discrepancies: report.discrepancies.count
        )
    }

    /// Most discrepancies one entry counts; a report never finds more than a few per event.
    public static let maxDiscrepancies = 1_000_000

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        guard checkpointSize >= 1 else { throw BodyValidationError("checkpointSize must be at least 1") }
        guard (0...Self.maxDiscrepancies).contains(discrepancies) else {
            throw BodyValidationError("discrepancies must be between 0 and \(Self.maxDiscrepancies)")
        }
        guard (result == .tallies) == (discrepancies == 0) else {
            throw BodyValidationError("a check tallies exactly when it found no discrepancies")
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record) (\(result.rawValue))"
        facts.auditor = auditor
        var value = try state.existingRecord(record, facts: &facts)
        guard state.isNodeService(context.actor) else {
            throw ContractDenial("only the node records tally checks; ask it to run one (POST /v1/audit/tally)")
        }
        guard let account = state.accounts[auditor], account.role == .auditor, account.status == .active else {
            throw ContractDenial("the check was not run for an active auditor")
        }
        guard state.auditorCovers(value, auditor: account, at: context.time) else {
            throw ContractDenial("no active grant covers this record")
        }
        guard checkpointSize <= context.index else {
            throw ContractDenial("the check names a checkpoint the ledger had not reached")
        }
        value.record(TallyCheck(
            auditor: auditor, result: result, checkpointSize: checkpointSize, discrepancies: discrepancies,
            entry: context.index, time: context.time
        ))
        state.save(value)
        return nil
    }
}
