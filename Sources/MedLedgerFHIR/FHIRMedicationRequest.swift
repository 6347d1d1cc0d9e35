import MedLedgerCore

/// A prescription record as a FHIR `MedicationRequest`: active until a pharmacy dispenses it
/// (then completed), entered-in-error once deleted. The medication is the prescription's text when
/// the read decrypted plain text; otherwise the resource says so and points at the content.
public enum FHIRMedicationRequest {
    /// The medication text when the prescription's content is not plain text (or was not read).
    public static let attachedText = "See attached prescription"

    public static func resource(_ value: FHIRRecordVersion, context: FHIRContext) -> FHIRJSON {
        let record = value.record
        let text = value.content?.text
        return .members([
            "resourceType": "MedicationRequest",
            "id": .string(record.id),
            "meta": value.meta(),
            "identifier": [["system": .string(context.recordSystem), "value": .string(record.id)]],
            "status": .string(status(record)),
            "intent": "order",
            "medicationCodeableConcept": ["text": .string(text ?? attachedText)],
            "subject": ["reference": .string("Patient/\(record.patient)")],
            "authoredOn": .string(FHIRTime.instant(value.version.time)),
            "requester": value.author(context),
            "supportingInformation": text == nil ? [["reference": .string("Binary/\(value.binaryID)")]] : nil,
            "category": [["coding": [value.categoryCoding(context)]]],
            "extension": [value.entryExtension(context)],
        ])
    }

    /// FHIR's status for a prescription.
    public static func status(_ record: MedicalRecord) -> String {
        if record.deleted != nil { return "entered-in-error" }
        return record.dispensed == nil ? "active" : "completed"
    }
}
