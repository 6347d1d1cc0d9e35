import MedLedgerCore

/// A record of a document category (visit notes, lab results, reports, medical history) as a FHIR
/// `DocumentReference`. Its content stays behind `Binary/<id>-<version>`, read with its own
/// audited download; `type` carries LOINC where a code plainly fits (progress note, laboratory
/// report) and MedLedger's category code always.
public enum FHIRDocumentReference {
    public static func resource(_ value: FHIRRecordVersion, context: FHIRContext) -> FHIRJSON {
        let record = value.record
        var codings: [FHIRJSON] = []
        if let loinc = loinc(record.category) {
            codings.append(["system": "http://loinc.org", "code": .string(loinc.code), "display": .string(loinc.display)])
        }
        codings.append(value.categoryCoding(context))
        return .members([
            "resourceType": "DocumentReference",
            "id": .string(record.id),
            "meta": value.meta(),
            "identifier": [["system": .string(context.recordSystem), "value": .string(record.id)]],
            "status": .string(status(record)),
            "type": ["coding": .array(codings), "text": .string(record.category.label)],
            "category": [["coding": [value.categoryCoding(context)], "text": .string(record.category.label)]],
            "subject": ["reference": .string("Patient/\(record.patient)")],
            "date": .string(FHIRTime.instant(value.version.time)),
            "author": [value.author(context)],
            "content": [["attachment": value.attachment(title: record.category.label, context: context)]],
            "extension": [value.entryExtension(context)],
        ])
    }

    /// The LOINC document code of a category, where one plainly fits.
    public static func loinc(_ category: RecordCategory) -> (code: String, display: String)? {
        switch category {
        case .visitNotes: ("11506-3", "Progress note")
        case .labResults: ("11502-2", "Laboratory report")
        case .reports, .medicalHistory, .prescriptions, .immunizations: nil
        }
    }

    /// FHIR's status for a record served as this type: `current`, or `entered-in-error` once deleted.
    public static func status(_ record: MedicalRecord) -> String {
        record.deleted == nil ? "current" : "entered-in-error"
    }
}
