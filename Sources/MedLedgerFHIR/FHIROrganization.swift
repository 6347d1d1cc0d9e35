import MedLedgerCore

/// A hospital or pharmacy as a FHIR `Organization`, typed with HL7's organization-type code
/// (`prov`, a healthcare provider, for both) and MedLedger's own kind.
public enum FHIROrganization {
    public static func resource(_ organization: Organization, context: FHIRContext) -> FHIRJSON {
        [
            "resourceType": "Organization",
            "id": .string(organization.id),
            "identifier": [["system": .string(context.base + "/sid/organization"), "value": .string(organization.id)]],
            "active": true,
            "name": .string(organization.name),
            "type": [[
                "coding": [
                    ["system": "http://terminology.hl7.org/CodeSystem/organization-type", "code": "prov", "display": "Healthcare Provider"],
                    ["system": .string(context.organizationKindSystem), "code": .string(organization.kind.rawValue),
                     "display": .string(organization.kind == .hospital ? "Hospital" : "Pharmacy")],
                ],
                "text": .string(organization.kind == .hospital ? "Hospital" : "Pharmacy"),
            ]],
        ]
    }

    /// The organization-kind code a `type` search value names (`hospital`, `pharmacy`, or `prov`
    /// for both); nil for codes no organization carries.
    public static func kinds(matching code: String) -> Set<OrganizationKind>? {
        let value = code.split(separator: "|").last.map(String.init) ?? code
        if value == "prov" { return [.hospital, .pharmacy] }
        return OrganizationKind(rawValue: value).map { [$0] }
    }
}
