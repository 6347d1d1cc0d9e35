import Crypto
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerFHIR
import MedLedgerNode

/// The FHIR R4 read API under `/fhir`: the CapabilityStatement, reads and searches of every
/// served resource type, Binary content and the patient-level bulk `$export`.
///
/// Every request but `metadata` carries an app's access token (`Authorization: Bearer …`), which
/// ``AppTokenResolving`` turns into the app's session; the ledger session must still be open and
/// its app registered, else 401. Whatever a request reads from the ledger is read as ONE
/// `page.view` signed with the app's session key (``SessionReader/readAsAsked(_:session:)``),
/// so the contracts decide each read under the scopes the user signed, and the read lands on the
/// patient's trail with the app named. A read the contracts refuse is a 403 (read by id) or is
/// left out of a search's Bundle.
struct FHIRController<Context: RequestContext>: Sendable {
    let node: LedgerNode
    /// Finds the app session of a bearer token; nil answers every call 401.
    let appTokens: (any AppTokenResolving)?
    /// The budgets reads spend (per session key), as pages do.
    var limits: RequestLimits = .unlimited
    /// Links are `https` when the node serves TLS.
    var secure = false
    let exports: FHIRExportJobs
    let logger: Logger

    var reader: SessionReader { SessionReader(node: node, limits: limits) }

    static var fhirJSON: String { "application/fhir+json; charset=utf-8" }

    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("fhir/metadata", use: metadata)
        router.get("fhir/.well-known/smart-configuration", use: smartConfiguration)
        router.get("fhir/:type/:id/$export", use: exportKickOff)
        router.get("fhir/_bulk/:job/status", use: exportStatus)
        router.delete("fhir/_bulk/:job/status", use: exportCancel)
        router.get("fhir/_bulk/:job/files/:file", use: exportFile)
        router.get("fhir/:type", use: search)
        router.get("fhir/:type/:id", use: read)
    }

    typealias Caller = AppCaller

    @Sendable func metadata(_ request: Request, context: Context) async throws -> Response {
        Self.response(.ok, FHIRCapabilityStatement.resource(context: fhirContext(request)))
    }

    /// SMART clients look for the discovery document under the FHIR base; the authorisation server
    /// publishes it at the node's root, so this sends them there (308 keeps the method).
    @Sendable func smartConfiguration(_ request: Request, context: Context) async throws -> Response {
        Response(status: .permanentRedirect, headers: [.location: fhirContext(request).nodeBase + "/.well-known/smart-configuration", .cacheControl: "no-store"])
    }

    /// Resolves the bearer token; 401 when there is none, it is unknown, or its ledger session is
    /// closed or expired or its app retired.
    func authorizedCaller(_ request: Request) async throws -> Caller {
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " else {
            throw FHIRError.unauthorized("an access token is required (Authorization: Bearer …)")
        }
        let token = header.dropFirst(7).trimmingCharacters(in: .whitespaces)
        let now = node.clock()
        guard !token.isEmpty, token.utf8.count <= 512, let appTokens, let caller = try await appTokens.caller(forAccessToken: token, now: now) else {
            throw FHIRError.unauthorized("the access token is unknown, expired or revoked, or its authorisation has ended")
        }
        return caller
    }

    /// The node's absolute base address as the client reached it, from the Host header (only
    /// host-name characters are taken; anything else falls back to `localhost`).
    func fhirContext(_ request: Request) -> FHIRContext {
        let host = request.head.authority ?? "localhost"
        let safe = !host.isEmpty && host.utf8.count <= 255
            && host.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || ".-:[]".unicodeScalars.contains($0)) }
        return FHIRContext(nodeBase: (secure ? "https://" : "http://") + (safe ? host : "localhost"), origin: node.origin)
    }

    /// Runs reads as one page view signed with the app's session key, exactly as asked (a read the
    /// contracts refuse is recorded as the app's refused attempt); every read's outcome by name.
    func run(_ reads: [(String, any ContractAction)], caller: Caller) async throws -> [String: SessionReader.Outcome] {
        let named = try reads.map { name, action in
            SessionReader.NamedRead(name: name, type: type(of: action).transactionType, body: try JSONValue.of(action))
        }
        return try await reader.readAsAsked(named, session: caller.web)
    }

    /// A refused read as the error a read by id answers: 404 when the contracts say it does not
    /// exist, 403 otherwise.
    static func refusal(_ reason: String, type: FHIRResourceType) -> FHIRError {
        reason.lowercased().contains("no such") ? .notFound("no such \(type.rawValue)") : .forbidden(reason)
    }

    /// A FHIR JSON response.
    static func response(_ status: HTTPResponse.Status, _ resource: FHIRJSON, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = fhirJSON
        fields[.cacheControl] = "no-store"
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: resource.bytes)))
    }

    /// Runs a handler and answers its failures as OperationOutcomes: request errors with their
    /// status (401 with `WWW-Authenticate: Bearer`), rate limits with 429 and `Retry-After`.
    func answering(_ request: Request, _ work: () async throws -> Response) async throws -> Response {
        do {
            return try await work()
        } catch let error as FHIRError {
            var headers: HTTPFields = [:]
            if error.status == 401 { headers[.wwwAuthenticate] = #"Bearer realm="\#(fhirContext(request).base)", error="invalid_token""# }
            return Self.response(HTTPResponse.Status(code: error.status), error.outcome, headers: headers)
        } catch let error as RateLimitedError {
            return Self.response(
                error.status, FHIROperationOutcome.resource(code: "throttled", diagnostics: error.message),
                headers: [.retryAfter: String(error.retryAfterSeconds)])
        }
    }
}
