import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// The signed-in routes that answer with files rather than pages: record downloads, doctors'
/// certificates and the administrators' activity chart (the CSV exports are in
/// ``ReportController``). Each is a ledger read signed with the session key, so it is decided and
/// audited like any other.
struct DocumentController<Context: WebSessionRequestContext>: Sendable {
    let node: LedgerNode
    let renderer: PageRenderer
    /// The budgets the downloads' reads spend (per session key).
    var limits: RequestLimits = .unlimited

    var reader: SessionReader { SessionReader(node: node, limits: limits) }

    /// `router` is a group that requires a session (``RequireSessionMiddleware``).
    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("records/:record/download", use: download)
        router.get("accounts/:account/certificate", use: certificate)
        router.get("admin/activity.svg", use: activityChart)
    }

    @Sendable func download(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        let record = try context.parameters.require("record")
        let version = request.uri.queryParameters.get("version").flatMap { Int($0) }
        let outcome = try await reader.read(DownloadRecord(record: record, version: version), session: session, loadContent: false)
        guard case .answered(let result) = outcome, case .record(_, let chosen) = result.answer else { return refusal(outcome) }
        return try await stream(result, request: request, session: session, name: "record-\(record)-v\(chosen.number)")
    }

    @Sendable func certificate(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        guard let account = AccountAddress(try context.parameters.require("account")) else { throw APIError.notFound("No such account.") }
        // `?pending=1`: the certificate of a licence change waiting for verification.
        let pending = request.uri.queryParameters.get("pending") == "1"
        let document: ViewProfile.Document = pending ? .pendingCertificate : .certificate
        let outcome = try await reader.read(ViewProfile(account: account, document: document), session: session, loadContent: false)
        guard case .answered(let result) = outcome, case .profile = result.answer else { return refusal(outcome) }
        return try await stream(result, request: request, session: session, name: "certificate-\(account)")
    }

    /// Streams an allowed read's content, or shows why it cannot be read (the failure itself is
    /// reported to the ledger by ``SessionReader/reportContentFailure(_:cid:session:)``).
    private func stream(_ result: QueryResult, request: Request, session: WebSession, name: String) async throws -> Response {
        do {
            let content = try await node.openContent(of: result)
            return ContentResponse.make(reader: content, request: request, fallbackName: name)
        } catch let error as BlobStoreError {
            let message = await reader.reportContentFailure(error, result: result, session: session)
            return renderer.render("error", context: ["title": "Content unavailable", "message": message], status: error == .erased ? .gone : .internalServerError)
        }
    }

    /// Transactions per day over the last 14 days, allowed and denied, as an SVG bar chart.
    @Sendable func activityChart(_ request: Request, context: Context) async throws -> Response {
        let session = try context.requireSession()
        let day: Int64 = 86_400_000
        let today = node.clock() / day * day
        var query = AuditQuery()
        query.from = today - 13 * day
        query.limit = 10_000
        let outcome = try await reader.read(QueryEvents(query: query), session: session)
        guard case .answered(let result) = outcome, let events = result.events else { return refusal(outcome) }
        var allowed = [Int](repeating: 0, count: 14)
        var denied = [Int](repeating: 0, count: 14)
        for event in events {
            let slot = Int((event.time - (today - 13 * day)) / day)
            guard (0..<14).contains(slot) else { continue }
            if event.outcome == .allowed { allowed[slot] += 1 } else { denied[slot] += 1 }
        }
        let labels = (0..<14).map { LedgerTimeFormat.monthDay(today - Int64(13 - $0) * day) }
        let svg = ActivityChart(labels: labels, allowed: allowed, denied: denied).svg()
        return Response(
            status: .ok, headers: [.contentType: "image/svg+xml", .cacheControl: "no-store"], body: .init(byteBuffer: ByteBuffer(string: svg))
        )
    }

    private func refusal(_ outcome: SessionReader.Outcome) -> Response {
        let message: String
        if case .refused(let reason) = outcome { message = reason } else { message = "Nothing to download." }
        return renderer.render("error", context: ["title": "Not available", "message": message], status: .forbidden)
    }
}
