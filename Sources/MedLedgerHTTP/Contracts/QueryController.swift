import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// Reads: `POST /v1/queries` takes a signed read action (view a record, list grants, query a trail…).
/// The read is sequenced like any transaction, so it is authenticated by its signature, decided by
/// the contracts and audited on the ledger before anything is returned.
struct QueryController<Context: RequestContext>: Sendable {
    let node: LedgerNode
    /// Per-signer budgets; a read spends one unit of `queries`.
    var limits: RequestLimits = .unlimited

    func addRoutes(to router: Router<Context>) {
        router.post("v1/queries", use: query)
    }

    @Sendable func query(_ request: Request, context: Context) async throws -> Response {
        // `Accept: application/octet-stream` asks for a record's or profile's content as a file
        // stream (any size, byte ranges) instead of JSON with the content inline.
        let wantsFile = request.headers[.accept]?.contains("application/octet-stream") ?? false
        let result = try await EnvelopeBody.query(request, node: node, limits: limits, loadContent: !wantsFile)
        if wantsFile, result.contentReference != nil {
            do {
                let reader = try await node.openContent(of: result)
                return ContentResponse.make(reader: reader, request: request, fallbackName: "content")
            } catch let error as BlobStoreError {
                if error == .erased { throw APIError(status: .gone, code: "erased", message: "The patient's content was erased.") }
                throw APIError(status: .internalServerError, code: "content_integrity", message: "The content could not be read: \(error.description).")
            }
        }
        if let error = result.contentError {
            // The read is on the ledger; the content could not be produced. Never return wrong plaintext.
            if error == .erased {
                throw APIError(status: .gone, code: "erased", message: "The patient's content was erased.")
            }
            throw APIError(status: .internalServerError, code: "content_integrity", message: "The content could not be read: \(error.description).")
        }
        return try JSONResponse.make(status: .ok, QueryResponse(result))
    }
}

/// The answer to an allowed read.
struct QueryResponse: Encodable {
    let receipt: SubmitResponse
    let result: QueryResultBody

    init(_ result: QueryResult) {
        receipt = SubmitResponse(result.receipt)
        self.result = QueryResultBody(result)
    }
}

/// The `result` member: `kind` names which other member is present.
struct QueryResultBody: Encodable {
    var kind: String
    var record: MedicalRecord?
    var version: RecordVersion?
    /// Base64 of the decrypted content (up to 4 MiB; larger files are described only, download them).
    var content: String?
    /// The content's plaintext length, stored media type and file name, when it was opened.
    var contentSize: Int64?
    var mediaType: String?
    var fileName: String?
    var records: [MedicalRecord]?
    var appointments: [Appointment]?
    var grants: [Grant]?
    var accessRequests: [AccessRequest]?
    var accounts: [Account]?
    var organizations: [Organization]?
    var invitations: [Invitation]?
    /// For an apps list: the registered SMART apps.
    var apps: [ClientApp]?
    /// For the reader's app authorisations: their open app sessions.
    var appSessions: [Session]?
    var patient: PatientSummary?
    var account: Account?
    /// For a profile: how much of it the reader was shown.
    var disclosure: ProfileDisclosure?
    /// For a side document: which kind it is (its text is in `content`).
    var document: ViewDocument.Kind?
    var events: [AuditEvent]?
    /// For a directory search: the verified professionals found.
    var directory: [DirectoryEntry]?
    /// For a hospital's patient list.
    var hospitalPatients: [HospitalPatient]?
    /// For a names read: the patients whose names the reader may see, with the names.
    var names: [ShownName]?
    /// For a page view: each read's result, or why it was refused, in the order the body lists them.
    var reads: [PageReadBody]?

    /// One read of a page view: `result` when it was allowed, `refused` (the rule's reason) when not.
    struct PageReadBody: Encodable {
        var result: QueryResultBody?
        var refused: String?
        /// Why an allowed read's content could not be produced (missing, altered, erased).
        var contentError: String?
    }

    /// One patient's name as a names read shows it.
    struct ShownName: Encodable {
        var patient: AccountAddress
        var name: String
    }

    init(_ result: QueryResult) {
        kind = "none"
        contentSize = result.contentSize
        mediaType = result.contentMetadata?.mediaType
        fileName = result.contentMetadata?.fileName
        switch result.answer {
        case .record(let record, let version):
            kind = "record"
            self.record = record
            self.version = version
            content = result.content.map(Base64Coding.standard)
        case .records(let value): kind = "records"; records = value
        case .appointments(let value): kind = "appointments"; appointments = value
        case .grants(let value): kind = "grants"; grants = value
        case .accessRequests(let value): kind = "accessRequests"; accessRequests = value
        case .accounts(let value): kind = "accounts"; accounts = value
        case .organizations(let value): kind = "organizations"; organizations = value
        case .invitations(let value): kind = "invitations"; invitations = value
        case .apps(let value): kind = "apps"; apps = value
        case .appSessions(let value): kind = "appSessions"; appSessions = value
        case .patient(let value): kind = "patient"; patient = value
        case .profile(let value, _, let shown):
            kind = "profile"
            account = value
            disclosure = shown
            content = result.content.map(Base64Coding.standard)
        case .document(let value, _, _, _):
            kind = "document"
            document = value
            content = result.content.map(Base64Coding.standard)
        case .events: kind = "events"; events = result.events ?? []
        case .directory(let value): kind = "directory"; directory = value
        case .hospitalPatients(let value): kind = "hospitalPatients"; hospitalPatients = value
        case .names(let value):
            kind = "names"
            let shown = result.names ?? [:]
            names = value.compactMap { item in shown[item.account.address].map { ShownName(patient: item.account.address, name: $0) } }
        case .page:
            kind = "page"
            reads = (result.reads ?? []).map { read in
                switch read {
                case .answered(let part): PageReadBody(result: QueryResultBody(part), contentError: part.contentError.map(\.description))
                case .refused(let reason): PageReadBody(refused: reason)
                }
            }
        case nil: break
        }
    }
}
