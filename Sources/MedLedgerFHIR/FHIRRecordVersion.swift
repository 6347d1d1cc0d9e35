import MedLedgerCore

/// One version of a record as its resource mappers need it: the record, the version shown, the
/// role of its author (for the reference type) and, when the read decrypted it, its content facts.
public struct FHIRRecordVersion: Sendable {
    public var record: MedicalRecord
    public var version: RecordVersion
    public var authorRole: Role?
    public var content: FHIRContentFacts?

    public init(record: MedicalRecord, version: RecordVersion? = nil, authorRole: Role?, content: FHIRContentFacts? = nil) {
        self.record = record
        self.version = version ?? record.current
        self.authorRole = authorRole
        self.content = content
    }

    /// The Binary id of the version's content: `<recordId>-<version>`.
    public var binaryID: String { "\(record.id)-\(version.number)" }

    /// The resource type the record is served as.
    public var resourceType: String { AppScopeRule.resourceType(of: record.category) }

    /// `meta` with the version number and its time.
    func meta() -> FHIRJSON {
        ["versionId": .string(String(version.number)), "lastUpdated": .string(FHIRTime.instant(version.time))]
    }

    /// The attachment of the version's content: always its absolute Binary URL (FHIR's `url`
    /// type); type, size and hash only when the content was read.
    func attachment(title: String? = nil, context: FHIRContext) -> FHIRJSON {
        .members([
            "url": .string("\(context.base)/Binary/\(binaryID)"),
            "contentType": content.map { .string($0.contentType) },
            "size": content.flatMap { $0.size <= Int64(Int32.max) ? FHIRJSON.integer($0.size) : nil },
            "hash": content?.sha1.map(FHIRJSON.string),
            "creation": .string(FHIRTime.instant(version.time)),
            "title": title.map(FHIRJSON.string),
        ])
    }

    /// The record's category in MedLedger's code system.
    func categoryCoding(_ context: FHIRContext) -> FHIRJSON {
        ["system": .string(context.categorySystem), "code": .string(record.category.rawValue), "display": .string(record.category.label)]
    }

    /// The ledger entry of the version, as an extension anyone can look up.
    func entryExtension(_ context: FHIRContext) -> FHIRJSON {
        ["url": .string(context.extensionURL("ledger-entry")), "valueString": .string(String(version.entry))]
    }

    func author(_ context: FHIRContext) -> FHIRJSON { context.reference(to: version.author, role: authorRole) }
}
