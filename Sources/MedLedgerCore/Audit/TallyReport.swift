/// The result of a tally check of one record: does what the ledger says happened to it agree with
/// the stored state and the content store? docs/AUDIT.md defines every check.
public struct TallyReport: Codable, Sendable, Equatable {
    public var record: String
    public var patient: AccountAddress?
    /// The checkpoint the trail's entries were proven against.
    public var checkpointSize: UInt64
    /// Standard base64 of that checkpoint's root hash.
    public var root: String
    /// Events on the record's trail, and versions in the stored record.
    public var events: Int
    public var versions: Int
    /// One plain sentence per disagreement, each naming the entry, version or object; empty when
    /// the record tallies.
    public var discrepancies: [String]

    public init(record: String, patient: AccountAddress?, checkpointSize: UInt64, root: String, events: Int, versions: Int, discrepancies: [String]) {
        self.record = record
        self.patient = patient
        self.checkpointSize = checkpointSize
        self.root = root
        self.events = events
        self.versions = versions
        self.discrepancies = discrepancies
    }

    /// True when nothing disagrees.
    public var tallies: Bool { discrepancies.isEmpty }

    /// The result the node records with `audit.tally`.
    public var result: TallyResult { tallies ? .tallies : .discrepancy }
}
