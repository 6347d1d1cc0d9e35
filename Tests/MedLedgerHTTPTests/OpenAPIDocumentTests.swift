import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// `Resources/openapi.json` is a hand-kept spec; these tests hold it to the code, so a route added
/// without its description (or a description left behind by a removed route) fails here.
@Suite("OpenAPI document")
struct OpenAPIDocumentTests {
    static func document() throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: OpenAPIDocument.data) as? [String: Any])
    }

    static func schema(_ name: String) throws -> [String: Any] {
        let components = try #require(try document()["components"] as? [String: Any])
        return try #require((components["schemas"] as? [String: Any])?[name] as? [String: Any])
    }

    /// "METHOD /path" for every operation, with Hummingbird's `{name}` captures as OpenAPI writes
    /// them and the tile route's recursive wildcard as its one `{path}` parameter.
    static func operations(of router: Router<MedLedgerRequestContext>) -> Set<String> {
        Set(router.routes.map { route in
            var path = route.path.description
            if path.hasSuffix("/**") { path = String(path.dropLast(2)) + "{path}" }
            return "\(route.method.rawValue) \(path)"
        })
    }

    @Test("the spec is OpenAPI 3.1 JSON, and every operation answers with described responses")
    func parses() throws {
        let document = try Self.document()
        #expect(document["openapi"] as? String == "3.1.0")
        let paths = try #require(document["paths"] as? [String: [String: Any]])
        for (path, item) in paths {
            for (method, operation) in item {
                let responses = (operation as? [String: Any])?["responses"] as? [String: Any]
                #expect(responses?.isEmpty == false, "\(method) \(path)")
            }
        }
    }

    @Test("the spec's operations are exactly the routes the API router registers")
    func matchesRouter() async throws {
        let ledger = try await TestLedger.make()
        let router = buildRouter(node: ledger.node)
        let paths = try #require(try Self.document()["paths"] as? [String: [String: Any]])
        // The SMART OAuth routes belong to the web application (SMARTAuthorizationTests checks them).
        let documented = Set(paths.flatMap { path, item in item.keys.map { "\($0.uppercased()) \(path)" } })
            .filter { !$0.contains(" /oauth/") && !$0.contains(" /.well-known/") }
        let registered = Self.operations(of: router)
        #expect(documented.subtracting(registered).isEmpty, "described but not routed: \(documented.subtracting(registered).sorted())")
        #expect(registered.subtracting(documented).isEmpty, "routed but not described: \(registered.subtracting(documented).sorted())")
    }

    @Test("the spec's enumerations are the contracts' own action types, read types, roles and event statuses")
    func enumerationsMatchContracts() throws {
        #expect(try Self.schema("ActionType")["enum"] as? [String] == ContractEngine.actions.map { $0.transactionType })
        #expect(try Self.schema("ReadType")["enum"] as? [String] == ContractEngine.readTypes.sorted())
        let event = try #require(try Self.schema("AuditEvent")["properties"] as? [String: Any])
        #expect((event["actorRole"] as? [String: Any])?["enum"] as? [String] == Role.allCases.map(\.rawValue))
        #expect((event["status"] as? [String: Any])?["enum"] as? [String] == EventStatus.allCases.map(\.rawValue))
    }

    @Test("GET /openapi.json serves the file byte for byte as JSON")
    func served() async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let response = try await client.execute(uri: "/openapi.json", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json; charset=utf-8")
            #expect(Data(response.body.readableBytesView) == OpenAPIDocument.data)
        }
    }
}
