/// A FHIR request that cannot be answered as asked: the HTTP status, the OperationOutcome issue
/// type (`invalid`, `not-found`, `forbidden`, `login`…) and what to tell the client.
public struct FHIRError: Error, Sendable, Equatable {
    public var status: Int
    public var code: String
    public var diagnostics: String

    public init(status: Int, code: String, _ diagnostics: String) {
        self.status = status
        self.code = code
        self.diagnostics = diagnostics
    }

    public static func invalid(_ diagnostics: String) -> FHIRError { FHIRError(status: 400, code: "invalid", diagnostics) }
    public static func notFound(_ diagnostics: String) -> FHIRError { FHIRError(status: 404, code: "not-found", diagnostics) }
    public static func forbidden(_ diagnostics: String) -> FHIRError { FHIRError(status: 403, code: "forbidden", diagnostics) }
    public static func unauthorized(_ diagnostics: String) -> FHIRError { FHIRError(status: 401, code: "login", diagnostics) }

    /// The error as an OperationOutcome.
    public var outcome: FHIRJSON { FHIROperationOutcome.resource(code: code, diagnostics: diagnostics) }
}
