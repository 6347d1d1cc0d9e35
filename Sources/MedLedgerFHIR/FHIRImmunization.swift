import MedLedgerCore

/// An immunization record as a FHIR `Immunization`: completed (entered-in-error once deleted), the
/// vaccine as the record's text when it was read as plain text, the version's time as occurrence.
public enum FHIRImmunization {
    /// The vaccine text when the record's content is not plain text (or was not read).
    public static let attachedText = "See attached immunization record"

    public static func resource(_ value: FHIRRecordVersion, context: FHIRContext) -> FHIRJSON {
        let record = value.record
        return .members([
            "resourceType": "Immunization",
            "id": .string(record.id),
            "meta": value.meta(),
            "identifier": [["system": .string(context.recordSystem), "value": .string(record.id)]],
            "status": .string(status(record)),
            "vaccineCode": ["text": .string(value.content?.text ?? attachedText)],
            "patient": ["reference": .string("Patient/\(record.patient)")],
            "occurrenceDateTime": .string(FHIRTime.instant(value.version.time)),
            "recorded": .string(FHIRTime.instant(value.version.time)),
            "primarySource": .bool(value.authorRole == .doctor),
            "performer": [["actor": value.author(context)]],
            "extension": [
                value.entryExtension(context),
                ["url": .string(context.extensionURL("content")), "valueReference": ["reference": .string("Binary/\(value.binaryID)")]],
            ],
        ])
    }

    /// FHIR's status for a record served as this type: `completed`, or `entered-in-error` once deleted.
    public static func status(_ record: MedicalRecord) -> String {
        record.deleted == nil ? "completed" : "entered-in-error"
    }
}
