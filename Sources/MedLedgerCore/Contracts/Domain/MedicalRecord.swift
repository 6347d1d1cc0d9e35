/// A patient's medical record: a note, report, prescription or document. Its content lives
/// encrypted off the ledger; each version names its ciphertext's CID. Versions are never removed:
/// a change adds one, a deletion leaves a tombstone.
public struct MedicalRecord: Codable, Sendable, Equatable {
    public var id: String
    public var patient: AccountAddress
    public var category: RecordCategory
    /// Who created it (the patient for their own documents).
    public var author: AccountAddress
    public var versions: [RecordVersion]
    /// Set when the record was deleted: history and audit remain.
    public var deleted: RecordTombstone?
    /// Set when a pharmacy dispensed this prescription.
    public var dispensed: Dispensing?
    /// The latest tally check the node recorded for each auditor who ran one, in the order the
    /// auditors first ran one; nil until the first. Each auditor's result is theirs alone: it
    /// decides what that auditor may open and sign off, never what another auditor may.
    public var tallies: [TallyCheck]?
    /// The most recent auditor sign-off.
    public var signOff: AuditSignOff?
    public var createdAt: UInt64

    public init(id: String, patient: AccountAddress, category: RecordCategory, author: AccountAddress, versions: [RecordVersion], createdAt: UInt64) {
        self.id = id
        self.patient = patient
        self.category = category
        self.author = author
        self.versions = versions
        self.createdAt = createdAt
    }

    /// The newest version.
    public var current: RecordVersion { versions[versions.count - 1] }

    /// The latest tally check the node recorded for `auditor`, if any.
    public func tally(by auditor: AccountAddress) -> TallyCheck? {
        tallies?.first { $0.auditor == auditor }
    }

    /// Records `check` as its auditor's latest, replacing their previous one.
    mutating func record(_ check: TallyCheck) {
        var list = tallies ?? []
        if let at = list.firstIndex(where: { $0.auditor == check.auditor }) {
            list[at] = check
        } else {
            list.append(check)
        }
        tallies = list
    }

    /// A version by number (1-based), or nil.
    public func version(_ number: Int) -> RecordVersion? {
        versions.indices.contains(number - 1) ? versions[number - 1] : nil
    }
}

/// One version of a record.
public struct RecordVersion: Codable, Sendable, Equatable {
    /// 1, 2, 3…
    public var number: Int
    /// CID of the encrypted content.
    public var content: String
    public var author: AccountAddress
    public var entry: UInt64
    public var time: Int64

    public init(number: Int, content: String, author: AccountAddress, entry: UInt64, time: Int64) {
        self.number = number
        self.content = content
        self.author = author
        self.entry = entry
        self.time = time
    }
}

/// Who deleted a record, and when.
public struct RecordTombstone: Codable, Sendable, Equatable {
    public var by: AccountAddress
    public var entry: UInt64
    public var time: Int64
}

/// Who dispensed a prescription, and when.
public struct Dispensing: Codable, Sendable, Equatable {
    public var by: AccountAddress
    public var entry: UInt64
    public var time: Int64
}

/// The node's recorded answer to "does this record's trail match what is stored?", for one auditor.
/// It holds counts and entry numbers only: the discrepancies themselves stay in the node's report.
public struct TallyCheck: Codable, Sendable, Equatable {
    /// The auditor the node ran the check for.
    public var auditor: AccountAddress
    public var result: TallyResult
    /// Size of the signed checkpoint the check proved the trail against.
    public var checkpointSize: UInt64
    /// How many discrepancies the check found (0 when it tallies).
    public var discrepancies: Int
    /// The node-signed `audit.tally` entry, and its block time (Unix milliseconds).
    public var entry: UInt64
    public var time: Int64

    public init(auditor: AccountAddress, result: TallyResult, checkpointSize: UInt64, discrepancies: Int, entry: UInt64, time: Int64) {
        self.auditor = auditor
        self.result = result
        self.checkpointSize = checkpointSize
        self.discrepancies = discrepancies
        self.entry = entry
        self.time = time
    }

    /// Until when (Unix milliseconds) a failed check lets its auditor open the record, given the
    /// window in force; nil when the check tallied (it opens nothing).
    public func opensUntil(windowSeconds: Int64) -> Int64? {
        guard result == .discrepancy else { return nil }
        let (window, tooLong) = windowSeconds.multipliedReportingOverflow(by: 1000)
        let (until, late) = time.addingReportingOverflow(window)
        return tooLong || late ? Int64.max : until
    }
}

/// The outcome of a tally check.
public enum TallyResult: String, Codable, Sendable {
    case tallies
    case discrepancy
}

/// An auditor's closing verdict on a record's trail.
public struct AuditSignOff: Codable, Sendable, Equatable {
    public var auditor: AccountAddress
    public var decision: SignOffDecision
    public var note: String?
    public var entry: UInt64
    public var time: Int64
}

/// Approve the trail, or flag a discrepancy for follow-up.
public enum SignOffDecision: String, Codable, Sendable {
    case approve
    case flag
}
