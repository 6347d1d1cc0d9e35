import MedLedgerCore

/// A patient's grant as a FHIR `Consent` (privacy consent, LOINC 59284-0): active while it
/// applies, inactive once revoked, used (one-time) or expired. The provision permits the grantee
/// to read until the expiry, over all records, one record, or one category.
public enum FHIRConsent {
    /// `recordType` gives the resource type a record-scoped grant's record is served as (nil when
    /// the record is unknown to the caller).
    public static func resource(
        _ grant: Grant, granteeRole: Role?, recordType: String?, now: Int64, context: FHIRContext
    ) -> FHIRJSON {
        var provision: [String: FHIRJSON] = [
            "type": "permit",
            "period": ["start": .string(FHIRTime.instant(grant.createdTime)), "end": .string(FHIRTime.instant(grant.expires))],
            "actor": [[
                "role": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "IRCP", "display": "information recipient"]]],
                "reference": context.reference(to: grant.grantee, role: granteeRole),
            ]],
            "action": [["coding": [["system": "http://terminology.hl7.org/CodeSystem/consentaction", "code": "access"]]]],
        ]
        switch grant.scope {
        case .all:
            break
        case .record(let id):
            let reference: FHIRJSON
            if let recordType {
                reference = ["reference": .string("\(recordType)/\(id)")]
            } else {
                reference = ["identifier": ["system": .string(context.recordSystem), "value": .string(id)]]
            }
            provision["data"] = [["meaning": "instance", "reference": reference]]
        case .category(let category):
            provision["class"] = [["system": "http://hl7.org/fhir/resource-types", "code": .string(AppScopeRule.resourceType(of: category))]]
            provision["code"] = [["coding": [["system": .string(context.categorySystem), "code": .string(category.rawValue), "display": .string(category.label)]]]]
        }
        return .members([
            "resourceType": "Consent",
            "id": .string(grant.id),
            "status": .string(grant.isActive(at: now) ? "active" : "inactive"),
            "scope": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy", "display": "Privacy Consent"]]],
            "category": [["coding": [["system": "http://loinc.org", "code": "59284-0", "display": "Patient Consent"]]]],
            "patient": ["reference": .string("Patient/\(grant.patient)")],
            "dateTime": .string(FHIRTime.instant(grant.createdTime)),
            "policyRule": ["coding": [["system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN", "display": "opt-in"]]],
            "provision": .object(provision),
            "extension": [
                ["url": .string(context.extensionURL("ledger-entry")), "valueString": .string(String(grant.createdAt))],
                ["url": .string(context.extensionURL("grant-status")), "valueCode": .string(grant.status.rawValue)],
                ["url": .string(context.extensionURL("one-time")), "valueBoolean": .bool(grant.oneTime)],
            ],
        ])
    }

    /// FHIR's status of a grant at `now`.
    public static func status(_ grant: Grant, now: Int64) -> String { grant.isActive(at: now) ? "active" : "inactive" }
}
