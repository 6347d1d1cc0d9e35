import MedLedgerCore

/// A doctor's account as a FHIR `Practitioner`: the public register facts only (display name,
/// speciality, licence number), with the account address as identifier. Contact details are never
/// on the ledger in clear, so none are mapped.
public enum FHIRPractitioner {
    public static func resource(_ account: Account, context: FHIRContext) -> FHIRJSON {
        var qualification: [FHIRJSON] = []
        if let speciality = account.speciality {
            qualification.append(["code": ["text": .string(speciality)]])
        }
        if let licence = account.licence {
            qualification.append([
                "identifier": [["system": .string(context.licenceSystem), "value": .string(licence)]],
                "code": ["text": "Medical licence"],
            ])
        }
        return .members([
            "resourceType": "Practitioner",
            "id": .string(account.address.rawValue),
            "identifier": [["system": .string(context.accountSystem), "value": .string(account.address.rawValue)]],
            "active": .bool(account.status == .active),
            "name": account.displayName.map { [["text": .string($0)]] },
            "qualification": .array(qualification),
            "extension": account.organization.map { [["url": .string(context.extensionURL("organization")), "valueReference": ["reference": .string("Organization/\($0)")]]] },
        ])
    }
}
