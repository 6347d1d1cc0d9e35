/// The answer of `POST /v1/audit/tally`: the node's comparison of a record's trail with what is
/// stored, and for an auditor where the node recorded the result.
public struct TallyResponse: Codable, Sendable {
    /// The receipt of the `audit.trail` read the check began with.
    public let receipt: SubmitResponse
    public let tally: TallyReport
    /// `tallies` or `discrepancy`.
    public let result: TallyResult
    /// For an auditor: the receipt of the node-signed `audit.tally` entry that recorded the result.
    public var recorded: SubmitResponse?
    /// For an auditor whose check failed: until when (Unix milliseconds) they may open the record.
    public var opensUntil: Int64?

    public init(receipt: SubmitResponse, tally: TallyReport, result: TallyResult, recorded: SubmitResponse? = nil, opensUntil: Int64? = nil) {
        self.receipt = receipt
        self.tally = tally
        self.result = result
        self.recorded = recorded
        self.opensUntil = opensUntil
    }
}
