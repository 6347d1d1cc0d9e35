import Foundation

/// The OpenAPI 3.1 description of the HTTP API, served at `/openapi.json` exactly as written in
/// `Resources/openapi.json`.
///
/// The spec is a real file, read once from the target's resources, not a string assembled at run
/// time: it is what API clients and the fuzz tests (schemathesis) read, so it is kept in the form
/// they read. Tests hold it to the code: every route the router registers outside the web
/// application is described and nothing else, and its enumerations (action and read types,
/// roles, event statuses) equal the contracts' own (`OpenAPIDocumentTests`).
enum OpenAPIDocument {
    /// The document's bytes. The resources bundle is required by the web application too, so a
    /// node without it cannot start; its absence here is the same packaging fault.
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url) else {
            preconditionFailure("openapi.json is missing from the MedLedgerHTTP resources")
        }
        return data
    }()
}
