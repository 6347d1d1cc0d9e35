/// The read actions on a record's content: view, copy, print and download share one rule
/// (``ContractState/readAccess(to:version:by:at:)``) and differ in the status their events carry.
/// A one-time grant is consumed by the first of them.
public protocol RecordRead: ContractAction {
    var record: String { get }
    /// A version number; nil for the current version.
    var version: Int? { get }
}

extension RecordRead {
    public func validate(in context: PayloadContext) throws(BodyValidationError) {
        try Validation.identifier(record, field: "record")
        if let version, version < 1 { throw BodyValidationError("version must be 1 or more") }
    }

    public func run(state: inout ContractState, context: ActionContext, facts: inout EventFacts) throws(ContractDenial) -> QueryAnswer? {
        facts.object = "record \(record)"
        facts.record = record
        facts.version = version
        let value = try state.existingRecord(record, version: version, facts: &facts)
        let account = try state.activeAccount(context.actor)
        let access = try state.readAccess(to: value, version: version, by: account, at: context.time)
        guard let chosen = value.version(version ?? value.current.number) else { throw ContractDenial("no such version") }
        if case .breakGlass = access { facts.breakGlass = true }
        state.consume(access)
        return .record(value, version: chosen)
    }
}

/// `record.view`: read a record's content on screen.
public struct ViewRecord: RecordRead, Equatable {
    public static let transactionType = "record.view"
    public static let eventStatus = EventStatus.viewed
    public static let summary = "view"
    public var record: String
    public var version: Int?
    public init(record: String, version: Int? = nil) {
        self.record = record
        self.version = version
    }
}

/// `record.copy`: copy a record's content elsewhere.
public struct CopyRecord: RecordRead, Equatable {
    public static let transactionType = "record.copy"
    public static let eventStatus = EventStatus.copied
    public static let summary = "copy"
    public var record: String
    public var version: Int?
    public init(record: String, version: Int? = nil) {
        self.record = record
        self.version = version
    }
}

/// `record.print`: print a record.
public struct PrintRecord: RecordRead, Equatable {
    public static let transactionType = "record.print"
    public static let eventStatus = EventStatus.printed
    public static let summary = "print"
    public var record: String
    public var version: Int?
    public init(record: String, version: Int? = nil) {
        self.record = record
        self.version = version
    }
}

/// `record.download`: download a record's file.
public struct DownloadRecord: RecordRead, Equatable {
    public static let transactionType = "record.download"
    public static let eventStatus = EventStatus.downloaded
    public static let summary = "download"
    public var record: String
    public var version: Int?
    public init(record: String, version: Int? = nil) {
        self.record = record
        self.version = version
    }
}
