/// `content.failure`: a reader reports that content an allowed read named could not be produced —
/// the object is missing from the store or fails its integrity check (altered, truncated, swapped).
///
/// The content store refuses such an object and never shows its plaintext; this report puts the
/// failure on the ledger, in the record's and the patient's trail, where the patient and their
/// auditors see it. It changes no state. Those who may read the record (or the account's profile)
/// may report it, and a session key may sign it for its account, since the web application files
/// the report while serving the read.
public struct ReportContentFailure: ContractAction, Equatable {
    public static let transactionType = "content.failure"
    public static let eventStatus = EventStatus.contentFailed
    public static let summary = "report unreadable content of"
    public static var allowedForSessions: Bool { true }

    /// What the store found.
    public enum Problem: String, Codable, Sendable, CaseIterable {
        /// No object is stored under the CID.
        case missing
        /// The stored bytes do not hash to the CID or do not authenticate.
        case integrity
    }

    /// The record whose version named the content; nil for a profile or certificate.
    public var record: String?
    /// The version of `record`.
    public var version: Int?
    /// The account whose profile or certificate named the content, when `record` is nil.
    public var account: AccountAddress?
    /// The CID that could not be read.
    public var content: String
    public var problem: Problem

    public init(record: String, version: Int, content: String, problem: Problem) {
        self.record = record
        self.version = version
        self.content = content
        self.problem = problem
    }

    public init(account: AccountAddress, content: String, problem: Problem) {
        self.account = account
        self.content = content
        self.problem = problem
    }

    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.contentID(content, field: "content")
        switch (record, account) {
        case (let record?, nil):
            try Validation.identifier(record, field: "record")
            guard let version, version >= 1 else { throw BodyValidationError("version must be 1 or more") }
        case (nil, .some):
            guard version == nil else { throw BodyValidationError("version goes with record") }
        default:
            throw BodyValidationError("name either a record and its version, or an account")
        }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        if let record {
            facts.object = "record \(record) version \(version ?? 0)"
            // The record first, so even a denied report lands on its trail.
            let value = try state.existingRecord(record, version: version, facts: &facts)
            let reporter = try state.activeAccount(context.actor)
            guard let named = value.version(version ?? 0), named.content == content else {
                throw ContractDenial("that version of the record does not name this content")
            }
            _ = try state.readAccess(to: value, version: named.number, by: reporter, at: context.time)
        } else if let account {
            _ = try state.activeAccount(context.actor)
            facts.object = "account \(account)"
            guard let subject = state.accounts[account] else { throw ContractDenial("no such account") }
            if subject.role == .patient { facts.patient = subject.address }
            try state.checkNotErased(subject.address)
            guard subject.profileHistory.contains(where: { $0.content == content }) || subject.certificate == content
                || subject.licenceChange?.certificate == content
            else {
                throw ContractDenial("the account's profile and certificate do not name this content")
            }
        }
        let finding = problem == .missing ? "is missing from the store" : "failed its integrity check"
        facts.object = (facts.object ?? "content") + ": content \(content) \(finding)"
        return nil
    }
}
