/// The server's `CapabilityStatement` (`GET /fhir/metadata`): FHIR 4.0.1, JSON only, read-only
/// REST, secured by SMART on FHIR (with the OAuth endpoints as the SMART extension gives them), and
/// every resource type with exactly the interactions and search parameters the server implements
/// (from ``FHIRResourceType``), plus the patient-level `$export` operation.
public enum FHIRCapabilityStatement {
    /// `software` is the server's version text.
    public static func resource(context: FHIRContext, software: String = "MedLedger") -> FHIRJSON {
        let resources: [FHIRJSON] = FHIRResourceType.allCases.map { type in
            var interactions: [FHIRJSON] = [["code": "read"]]
            if type.searchable { interactions.append(["code": "search-type"]) }
            var parameters: [FHIRJSON] = []
            for parameter in type.parameters {
                parameters.append(["name": .string(parameter.name), "type": .string(parameter.type), "documentation": .string(parameter.documentation)])
            }
            if type.searchable {
                parameters.append(["name": "_count", "type": "number", "documentation": "page size, 1 to 200 (default 20)"])
                parameters.append(["name": "_offset", "type": "number", "documentation": "paging offset, as the next and previous links give it"])
            }
            return .members([
                "type": .string(type.rawValue),
                "interaction": .array(interactions),
                "versioning": "no-version",
                "readHistory": false,
                "updateCreate": false,
                "searchParam": .array(parameters),
                "searchInclude": .array(type.includes.map(FHIRJSON.string)),
                "operation": type == .patient
                    ? [["name": "export", "definition": "http://hl7.org/fhir/uv/bulkdata/OperationDefinition/patient-export"]] : nil,
            ])
        }
        return [
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": "2026-12-05",
            "kind": "instance",
            "fhirVersion": "4.0.1",
            "format": ["json"],
            "software": ["name": .string(software)],
            "implementation": ["description": "MedLedger FHIR R4 read API over an audited ledger", "url": .string(context.base)],
            "rest": [[
                "mode": "server",
                "security": [
                    "cors": false,
                    "service": [["coding": [["system": "http://terminology.hl7.org/CodeSystem/restful-security-service", "code": "SMART-on-FHIR"]], "text": "OAuth2 using SMART-on-FHIR profile"]],
                    "extension": [[
                        "url": "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris",
                        "extension": [
                            ["url": "authorize", "valueUri": .string(context.nodeBase + "/oauth/authorize")],
                            ["url": "token", "valueUri": .string(context.nodeBase + "/oauth/token")],
                            ["url": "revoke", "valueUri": .string(context.nodeBase + "/oauth/revoke")],
                        ],
                    ]],
                ],
                "resource": .array(resources),
            ]],
        ]
    }
}
