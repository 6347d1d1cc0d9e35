import Foundation
import HTTPTypes
import Hummingbird
import MedLedgerCore
import MedLedgerNode

/// The CSV exports of the audit log: a patient's accounting of disclosures
/// (`GET /patient/activity.csv`) and the administrators' transactions (`GET /admin/transactions.csv`).
///
/// Each takes the same filters as its page and reads through the ledger with the session key,
/// exactly as the page does, so an export is itself an audited `audit.events` read (one per
/// 10,000 events) and the contracts decide what it may contain.
struct ReportController<Context: WebSessionRequestContext>: Sendable {
    let node: LedgerNode
    let renderer: PageRenderer
    /// Events per ledger read; the contracts allow at most ``AuditQuery/maxLimit``.
    var pageSize = AuditQuery.maxLimit
    /// The most rows one export holds. Beyond it the file says it was cut, rather than letting one
    /// request hold the server's memory for an unbounded history.
    var maxRows = 50_000
    /// The budgets the reports' reads spend (per session key).
    var limits: RequestLimits = .unlimited

    var reader: SessionReader { SessionReader(node: node, limits: limits) }

    /// `router` is a group that requires a session and sends signed-out browsers to the log-in
    /// page (``RequireSessionMiddleware``).
    func addRoutes(to router: some RouterMethods<Context>) {
        router.get("patient/activity.csv", use: disclosuresCSV)
        router.get("admin/transactions.csv", use: transactionsCSV)
    }

    // MARK: Routes

    /// The patient's accounting of disclosures: who else acted on their records, why and with what
    /// outcome. `?all=true` includes the patient's own actions, as `/patient/activity/all` does.
    @Sendable func disclosuresCSV(_ request: Request, context: Context) async throws -> Response {
        try await export(
            request, context: context, role: .patient, roleName: "patients", filters: ["action", "actor", "from", "to"],
            leaveOutOwn: Self.parameters(request)["all"] != "true", name: "disclosures",
            header: ReportExport.disclosureHeader, row: ReportExport.disclosureRow
        )
    }

    /// Every transaction the filters select (administrators; an organization administrator's read
    /// is limited by the contracts to their own actions).
    @Sendable func transactionsCSV(_ request: Request, context: Context) async throws -> Response {
        try await export(
            request, context: context, role: .admin, roleName: "administrators", filters: ["action", "actor", "patient", "record", "from", "to"],
            leaveOutOwn: false, name: "transactions", header: ReportExport.transactionHeader, row: ReportExport.transactionRow
        )
    }

    /// One export: the session and role, the filters (400 before anything is read), every page of
    /// the log read with the session key, then the file.
    private func export(
        _ request: Request, context: Context, role: Role, roleName: String, filters: Set<String>, leaveOutOwn: Bool, name: String,
        header: [String], row: (AuditEvent, [AccountAddress: Account]) -> [String]
    ) async throws -> Response {
        let session: WebSession
        switch try await signedIn(context, role: role, roleName: roleName) {
        case .success(let signed): session = signed
        case .failure(let stop): return stop.response
        }
        var query: AuditQuery
        do {
            query = try ReportFilters.query(Self.parameters(request), allowing: filters)
        } catch {
            return renderer.render("error", context: ["title": "Check the filters", "message": error.message], status: .badRequest)
        }
        if leaveOutOwn { query.excludeActor = session.account }
        let directory = await node.accounts()
        let collected = try await collect(query, session: session)
        let (events, truncated): ([AuditEvent], Bool)
        switch collected {
        case .events(let read, let cut): (events, truncated) = (read, cut)
        case .refused(let reason): return renderer.render("error", context: ["title": "Not available", "message": reason], status: .forbidden)
        }
        var csv = CSVWriter()
        csv.row(header)
        for event in events { csv.row(row(event, directory)) }
        if truncated { csv.row(ReportExport.truncationRow(width: header.count, limit: maxRows)) }
        return file(csv, name: name, rows: events.count, truncated: truncated)
    }

    /// The query string, first value of each name (as the pages read it).
    static func parameters(_ request: Request) -> [String: String] {
        Dictionary(request.uri.queryParameters.map { (String($0.key), String($0.value)) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Reading every page

    private func collect(_ query: AuditQuery, session: WebSession) async throws -> ReportExport.Collected {
        // Entries sequenced after the export began (its own reads among them) are left out, so the
        // file is the log as it stood at one entry.
        let snapshot = node.size
        return try await ReportExport.collect(query, pageSize: pageSize, maxRows: maxRows, before: snapshot) { page in
            switch try await reader.read(QueryEvents(query: page), session: session) {
            case .answered(let result): .success(result.events ?? [])
            case .refused(let reason): .failure(ReportExport.Refused(reason: reason))
            }
        }
    }

    // MARK: Answers

    private func file(_ csv: CSVWriter, name: String, rows: Int, truncated: Bool) -> Response {
        Response(
            status: .ok,
            headers: [
                .contentType: "text/csv; charset=utf-8", .cacheControl: "no-store",
                .contentDisposition: "attachment; filename=\"\(name)-\(LedgerTimeFormat.isoDay(node.clock())).csv\"",
                ReportExport.rowsHeader: String(rows), ReportExport.truncatedHeader: truncated ? "true" : "false",
            ],
            body: .init(byteBuffer: ByteBuffer(string: csv.text))
        )
    }

    /// Why a request is answered without a file.
    struct Stop: Error {
        let response: Response
    }

    /// The session, if it belongs to an account of `role`; other roles get 403. (A signed-out
    /// request was already answered by the group's ``RequireSessionMiddleware``.)
    private func signedIn(_ context: Context, role: Role, roleName: String) async throws -> Result<WebSession, Stop> {
        let session = try context.requireSession()
        guard await node.accounts()[session.account]?.role == role else {
            return .failure(Stop(response: renderer.render(
                "error", context: ["title": "Not available", "message": "This export is available to \(roleName) only."], status: .forbidden
            )))
        }
        return .success(session)
    }
}

/// The parts of an export that do not depend on the router: reading every page of the log, and
/// the rows of each file.
enum ReportExport {
    /// What an export read: the events, and whether there were more than it may hold.
    enum Collected: Equatable {
        case events([AuditEvent], truncated: Bool)
        case refused(String)
    }

    /// A read the contracts refused, with their reason.
    struct Refused: Error, Equatable {
        let reason: String
    }

    /// Reads `query` page after page (`after` the last index seen) until a page comes back short,
    /// an event at or past entry `before` shows up, or more than `maxRows` events were read.
    /// Asks for one event more than it keeps, so "cut" means there really was more.
    static func collect(
        _ query: AuditQuery, pageSize: Int, maxRows: Int, before: UInt64,
        read: (AuditQuery) async throws -> Result<[AuditEvent], Refused>
    ) async throws -> Collected {
        var events: [AuditEvent] = []
        var page = query
        while true {
            page.limit = max(1, min(pageSize, maxRows + 1 - events.count))
            let found: [AuditEvent]
            switch try await read(page) {
            case .success(let answer): found = answer
            case .failure(let refused): return .refused(refused.reason)
            }
            let kept = found.prefix { $0.index < before }
            events += kept
            if events.count > maxRows { return .events(Array(events.prefix(maxRows)), truncated: true) }
            guard kept.count == found.count, found.count >= page.limit, let last = found.last else { return .events(events, truncated: false) }
            page.after = last.index
        }
    }

    // MARK: Rows

    static let disclosureHeader = [
        "time_utc", "who_name", "who_role", "who_account", "action", "what", "record", "version", "purpose", "basis",
        "outcome", "break_glass", "message", "entry",
    ]

    static func disclosureRow(_ event: AuditEvent, directory: [AccountAddress: Account]) -> [String] {
        let purpose = DisclosurePurpose.of(event)
        return [
            LedgerTimeFormat.iso8601(event.time), directory[event.actor]?.displayName ?? "", ReportFields.roleWords(event.actorRole),
            event.actor.rawValue, event.action, event.actionText, event.record ?? "", event.version.map(String.init) ?? "",
            purpose.title, purpose.basis(of: event), event.outcome.rawValue, event.breakGlass ? "yes" : "no", event.message,
            String(event.index),
        ]
    }

    static let transactionHeader = [
        "index", "time", "action", "what", "status", "outcome", "actor", "actor_name", "actor_role", "patient", "doctor", "auditor",
        "record", "version", "break_glass", "message",
    ]

    static func transactionRow(_ event: AuditEvent, directory: [AccountAddress: Account]) -> [String] {
        [
            String(event.index), LedgerTimeFormat.iso8601(event.time), event.action, event.actionText, event.status.rawValue,
            event.outcome.rawValue, event.actor.rawValue, directory[event.actor]?.displayName ?? "", event.actorRole?.rawValue ?? "",
            event.patient?.rawValue ?? "", event.doctor?.rawValue ?? "", event.auditor?.rawValue ?? "", event.record ?? "",
            event.version.map(String.init) ?? "", event.breakGlass ? "yes" : "no", event.message,
        ]
    }

    /// The last row of a cut export: the note in the first column, the others empty, so the file
    /// keeps one shape for scripts while a person reading it cannot miss it.
    static func truncationRow(width: Int, limit: Int) -> [String] {
        ["Export cut at \(limit) events: more match these filters. Narrow the dates to export the rest."]
            + [String](repeating: "", count: width - 1)
    }

    /// How many events the file holds, and whether it was cut at the export's bound.
    static let rowsHeader = HTTPField.Name("X-Export-Rows")!
    static let truncatedHeader = HTTPField.Name("X-Export-Truncated")!
}

/// The filters the report pages and their exports share, read from a query string the way
/// ``PageSpec/fill(_:params:query:me:)`` reads them for the pages: dates are UTC days
/// (`from` inclusive, `to` exclusive), empty values mean "no filter".
enum ReportFilters {
    struct Invalid: Error {
        let message: String
    }

    static func query(_ parameters: [String: String], allowing names: Set<String>) throws(Invalid) -> AuditQuery {
        var query = AuditQuery()
        func value(_ name: String) -> String? {
            guard names.contains(name), let text = parameters[name], !text.isEmpty else { return nil }
            return text
        }
        func account(_ name: String, _ label: String) throws(Invalid) -> AccountAddress? {
            guard let text = value(name) else { return nil }
            guard let address = AccountAddress(text) else { throw Invalid(message: "The \(label) must be an account id (ml followed by 40 hex digits).") }
            return address
        }
        func time(_ name: String, _ label: String) throws(Invalid) -> Int64? {
            guard let text = value(name) else { return nil }
            guard let time = Int64(text) ?? PageSpec.time(text) else { throw Invalid(message: "The \(label) date must look like 2026-11-21.") }
            return time
        }
        query.action = value("action")
        query.actor = try account("actor", "person's account")
        query.patient = try account("patient", "patient account")
        query.record = value("record")
        query.from = try time("from", "“from”")
        query.to = try time("to", "“before”")
        if let from = query.from, let to = query.to, from >= to {
            throw Invalid(message: "The “from” date must be before the “before” date.")
        }
        return query
    }
}

/// What the report pages show beside each audit event: its purpose and its action in words.
/// The page handler adds these to every `audit.events` item, so templates need no logic for them.
enum ReportFields {
    static func described(_ event: AuditEvent) -> [String: Any] {
        let purpose = DisclosurePurpose.of(event)
        var fields: [String: Any] = [
            "purpose": purpose.rawValue, "purpose_\(purpose.rawValue)": true, "purposeTitle": purpose.title,
            "purposeBasis": purpose.basis(of: event), "actionText": event.actionText, "actorRoleText": roleWords(event.actorRole),
        ]
        // A refusal in plain words; the ledger's own message stays in `message` as the details.
        if event.outcome == .denied { fields["denialText"] = DenialText.plain(event.message, for: .onlooker) }
        return fields
    }

    /// A role in words, as the pages name it.
    static func roleWords(_ role: Role?) -> String { role?.label ?? "No account" }
}
