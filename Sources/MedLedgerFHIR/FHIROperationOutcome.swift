/// A FHIR `OperationOutcome`: every error the API answers, in plain words. Diagnostics name what
/// was wrong with the request (a parameter, an id) or the contracts' reason, never health data.
public enum FHIROperationOutcome {
    public static func resource(severity: String = "error", code: String, diagnostics: String) -> FHIRJSON {
        ["resourceType": "OperationOutcome", "issue": [["severity": .string(severity), "code": .string(code), "diagnostics": .string(diagnostics)]]]
    }
}
