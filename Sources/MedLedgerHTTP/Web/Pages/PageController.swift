import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerNode

/// Serves every page of `pages.json`: checks the session and role, runs the page's reads through
/// the ledger with the session key, adds the providers' data and renders the template.
struct PageController<Context: WebSessionRequestContext>: Sendable {
    let node: LedgerNode
    let pages: [PageSpec]
    let renderer: PageRenderer
    let credentials: any CredentialStore
    let configuration: WebConfiguration
    let logger: Logger
    /// The budgets page reads spend (per session key).
    var limits: RequestLimits = .unlimited
    /// Signed-out views of pages that show only the ledger, per tree size.
    let rendered = RenderedPageCache()

    var reader: SessionReader { SessionReader(node: node, limits: limits) }

    /// `router` is a group with ``SessionMiddleware`` (the session is optional: public pages show
    /// to signed-out visitors, and the others send them to the log-in page).
    func addRoutes(to router: some RouterMethods<Context>) {
        for page in pages {
            let path = page.path.replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            router.get(RouterPath(path)) { request, context in
                try await self.serve(page, request: request, context: context)
            }
        }
    }

    func serve(_ page: PageSpec, request: Request, context: Context) async throws -> Response {
        let session = context.session
        var params: [String: String] = [:]
        for name in Self.parameterNames(page.path) {
            params[name] = context.parameters.get(name)
        }
        let query = Self.formQuery(request.uri.query)
        guard page.isPublic || session != nil else {
            return WebAuthentication.loginRedirect(request)
        }
        // A signed-out view of a page that shows only the ledger is the same for everyone until
        // the next block.
        let providers = page.providers ?? []
        let cacheKey = session == nil && page.reads == nil && !providers.isEmpty && providers.allSatisfy(\.showsOnlyTheLedger) ? request.uri.description : nil
        let size = node.size
        if let cacheKey, let html = rendered.html(for: cacheKey, size: size) { return PageRenderer.response(html) }
        let directory = await node.accounts()
        var values = TemplateValue(accounts: directory)
        var context = try await baseContext(page: page, session: session, directory: directory, params: params, query: query, path: request.uri.path)
        if let roles = page.roles {
            let role = session.flatMap { directory[$0.account]?.role }
            guard let role, roles.contains(role) else {
                context["message"] = "This page is not available for your role."
                context["title"] = "Not available"
                return renderer.render("error", context: context, status: .forbidden)
            }
        }
        var outcomes: [String: SessionReader.Outcome] = [:]
        if let session, let reads = page.reads {
            outcomes = try await runReads(
                reads, of: page, session: session, directory: directory, params: params, query: query, values: &values, context: &context)
        }
        for provider in page.providers ?? [] {
            context[provider] = try await self.provider(
                provider, session: session, directory: directory, params: params, query: query, outcomes: outcomes, values: values
            )
        }
        if providers.contains(.appNames) { Self.nameApps(in: &context) }
        let html = renderer.html(page.template, context: context)
        if let cacheKey { rendered.store(html, for: cacheKey, size: size) }
        return PageRenderer.response(html)
    }

    /// What every template gets.
    private func baseContext(
        page: PageSpec, session: WebSession?, directory: [AccountAddress: Account], params: [String: String], query: [String: String], path: String
    ) async throws -> [String: Any] {
        var context: [String: Any] = [
            "title": page.title, "params": params, "query": query, "path": path, "demo": !configuration.demoAccounts.isEmpty,
            // The same values percent-encoded, for links that carry the filters on.
            "queryURL": query.mapValues { $0.addingPercentEncoding(withAllowedCharacters: .urlQueryValueAllowed) ?? "" },
        ]
        for flag in page.flags ?? [] { context[flag] = true }
        // The record categories for every <select> that offers them, in words from the domain.
        context["categories"] = RecordCategory.allCases.map { ["value": $0.rawValue, "label": $0.label, "value_\($0.rawValue)": true] }
        // `role_doctor`-style flags for the query's non-empty values, so a filter form marks the
        // option in force as selected instead of adding one for it; `filtered` when any is set.
        let chosen = query.filter { !$0.value.isEmpty }
        context["querySelected"] = Dictionary(chosen.map { ("\($0.key)_\($0.value)", true) }, uniquingKeysWith: { first, _ in first })
        context["filtered"] = !chosen.isEmpty
        guard let session else { return context }
        let account = directory[session.account]
        var me: [String: Any] = ["address": session.account.rawValue, "username": session.username]
        if let account {
            me["role"] = account.role.rawValue
            me["status"] = account.status.rawValue
            me["status_\(account.status.rawValue)"] = true
            if let name = account.displayName { me["displayName"] = name }
            if let organization = account.organization { me["organization"] = organization }
        } else {
            me["awaitingAccount"] = true
        }
        context["me"] = me
        context["csrf"] = session.csrf
        if let limit = node.blobs?.maxObjectSize { context["maxUpload"] = ContentDisplay.sizeText(limit) }
        context["signedIn"] = true
        switch account?.role {
        case .patient: context["isPatient"] = true
        case .doctor: context["isDoctor"] = true
        case .auditor: context["isAuditor"] = true
        case .admin: context["isAdmin"] = true
        case .hospitalManagement: context["isHospital"] = true
        case .pharmacy: context["isPharmacy"] = true
        case nil: break
        }
        return context
    }

    /// The patients an answer names, in its order.
    static func patients(in answer: QueryAnswer) -> [AccountAddress] {
        switch answer {
        case .grants(let grants): grants.map(\.patient)
        case .appointments(let appointments): appointments.map(\.patient)
        case .accessRequests(let requests): requests.map(\.patient)
        case .records(let records): records.map(\.patient)
        case .record(let record, _): [record.patient]
        case .patient(let summary): [summary.patient]
        case .hospitalPatients(let rows): rows.map(\.patient)
        default: []
        }
    }

    /// The query string as an HTML form sends it (`application/x-www-form-urlencoded`): `+` is a
    /// space, then percent escapes are decoded (a malformed escape leaves the value as sent). The
    /// first of repeated names wins. A GET search form (the directory's) sends spaces as `+`.
    static func formQuery(_ raw: String?) -> [String: String] {
        var values: [String: String] = [:]
        for pair in (raw ?? "").split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(parts[0])
            guard !key.isEmpty, values[key] == nil else { continue }
            let sent = parts.count > 1 ? String(parts[1]).replacingOccurrences(of: "+", with: " ") : ""
            values[key] = sent.removingPercentEncoding ?? sent
        }
        return values
    }

    static func parameterNames(_ path: String) -> [String] {
        path.split(separator: "/").compactMap { segment in
            segment.hasPrefix("{") && segment.hasSuffix("}") ? String(segment.dropFirst().dropLast()) : nil
        }
    }

    // MARK: Providers

    private func provider(
        _ name: PageProvider, session: WebSession?, directory: [AccountAddress: Account], params: [String: String],
        query: [String: String] = [:], outcomes: [String: SessionReader.Outcome], values: TemplateValue
    ) async throws -> Any {
        switch name {
        case .demoAccounts:
            return configuration.demoAccounts.map {
                ["username": $0.username, "password": $0.password, "role": $0.role.rawValue, "roleText": $0.role.label]
            }
        case .signups:
            guard let session, directory[session.account]?.role == .admin else { return [Any]() }
            // Expired sign-ups are removed here and never listed (PendingSignups).
            let signups = PendingSignups(credentials: credentials, node: node, lifetime: configuration.pendingSignupLifetime)
            let waiting = try await signups.waiting(accounts: directory, now: node.clock())
            return waiting.map { item -> [String: Any] in
                let credential = item.credential
                return [
                    "username": credential.username, "role": credential.role.rawValue, "role_\(credential.role.rawValue)": true,
                    "roleLabel": credential.role.label,
                    "address": credential.address.rawValue, "publicKey": credential.publicKey,
                    "createdAtText": TemplateValue.format(time: credential.createdAt),
                    "expiresText": TemplateValue.format(time: item.expires),
                ]
            }
        case .parameters:
            return try values.convert(await node.parameters())
        case .ownAccount:
            // The signed-in account's own ledger state (register facts, a waiting licence change),
            // as `me` is: no other account's and no health content.
            guard let session, let account = directory[session.account] else { return [String: Any]() }
            var own = (try values.convert(account)) as? [String: Any] ?? [:]
            if let change = account.licenceChange { own["licenceChangeNewCertificate"] = change.certificate != account.certificate }
            return own
        case .invitation:
            return await InvitationLink.context(id: query["invite"], node: node)
        case .requestReasons:
            guard let session else { return [Any]() }
            return try await requestReasons(outcomes: outcomes, values: values, session: session)
        case .recordChanges:
            guard let session else { return [String: Any]() }
            return await recordChanges(outcomes: outcomes, session: session)
        case .careWindows:
            return await careWindows(outcomes: outcomes, directory: directory)
        case .tally:
            return try await tally(record: params["record"], auditor: session?.account, outcomes: outcomes, values: values)
        case .explorer:
            return try await explorer(values: values)
        case .entry:
            guard let text = params["index"], let index = UInt64(text) else { return ["missing": true] }
            return try await entry(index, values: values)
        case .appNames:
            return true
        }
    }

    /// Each emergency-access opening in `items` (allowed `breakglass.open` events) gets the id of the
    /// access it opened as `breakGlassID`, so the page can link to its justification.
    func linkJustifications(_ items: [[String: Any]]) async -> [[String: Any]] {
        var linked = items
        for index in linked.indices {
            guard linked[index]["action"] as? String == OpenBreakGlass.transactionType,
                linked[index]["outcome"] as? String == EventOutcome.allowed.rawValue,
                let entry = linked[index]["index"] as? Int, entry >= 0,
                let access = await node.breakGlassAccess(openedAt: UInt64(entry))
            else { continue }
            linked[index]["breakGlassID"] = access.id
        }
        return linked
    }

    /// The patient's pending access requests from the page's `requests` read, each with the reason
    /// its sender wrote (`reason`: a ``ContentDisplay`` context, or `reasonDenied`): each reason is
    /// a `document.view` read of the page view, so the patient decides knowing why access is asked for.
    func requestReasons(outcomes: [String: SessionReader.Outcome], values: TemplateValue, session: WebSession) async throws -> Any {
        guard case .answered(let result)? = outcomes["requests"], case .accessRequests(let requests)? = result.answer,
            let converted = try Self.value(of: .answered(result), values: values, now: node.clock()) as? [String: Any],
            let items = converted["items"] as? [[String: Any]]
        else { return [Any]() }
        var pending: [[String: Any]] = []
        for (request, item) in zip(requests, items) where request.status == .pending && request.patient == session.account {
            var row = item
            switch outcomes[Self.reasonReadName(request.id)] {
            case .answered(let read)?:
                if let error = read.contentError {
                    row["reasonDenied"] = await reader.reportContentFailure(error, result: read, session: session)
                } else if let content = ContentDisplay.context(for: read) {
                    row["reason"] = content
                }
            case .refused(let why)?:
                row["reasonDenied"] = why
            case nil:
                row["reasonDenied"] = "The reason could not be read with this page."
            }
            pending.append(row)
        }
        return pending
    }

    /// The doctors who may still write into the patient's records because of an appointment, and
    /// until when (``ContractState/careWindowEnd(of:followUpSeconds:)``, the rule the contracts
    /// apply), from the page's `appointments` read: grants do not end this, so the patient sees it.
    func careWindows(outcomes: [String: SessionReader.Outcome], directory: [AccountAddress: Account]) async -> Any {
        guard case .answered(let result)? = outcomes["appointments"], case .appointments(let appointments)? = result.answer else {
            return [Any]()
        }
        let followUp = await node.parameters().careFollowUpSeconds
        let now = node.clock()
        return appointments.compactMap { appointment -> [String: Any]? in
            guard let end = ContractState.careWindowEnd(of: appointment, followUpSeconds: followUp), now < end else { return nil }
            var row: [String: Any] = [
                "appointment": appointment.id, "doctor": appointment.doctor.rawValue,
                "appointmentTimeText": TemplateValue.format(time: appointment.time), "untilText": TemplateValue.format(time: end),
                "status": appointment.status.rawValue, "status_\(appointment.status.rawValue)": true,
            ]
            if let name = directory[appointment.doctor]?.displayName { row["doctorName"] = name }
            return row
        }
    }

    /// Whether the record page's reader may change (`change`) and delete (`delete`) the record it
    /// shows, as the contracts would decide if they signed now (``LedgerNode/wouldAllow(_:as:signerKey:)``,
    /// the very rule of `record.update` and `record.delete`): the page offers only those forms. A
    /// doctor who wrote a version without a grant reads it, but may not change the record.
    func recordChanges(outcomes: [String: SessionReader.Outcome], session: WebSession) async -> [String: Any] {
        guard case .answered(let result)? = outcomes["view"], case .record(let record, _)? = result.answer else { return [:] }
        let key = session.key.publicKey
        // Any CID nothing names stands for the new version's content: only the rule is asked.
        let update = UpdateRecord(record: record.id, content: "b" + String(repeating: "a", count: 58), baseVersion: record.current.number)
        let change = await node.wouldAllow(update, as: session.account, signerKey: key)
        let delete = await node.wouldAllow(DeleteRecord(record: record.id), as: session.account, signerKey: key)
        return ["change": change, "delete": delete, "any": change || delete]
    }

    /// What the node recorded about the page's record for the signed-in auditor, once the page's
    /// `fullTrail` read (the whole audit.trail, which the contracts must allow) is answered: their
    /// latest node-recorded tally check (``MedicalRecord/tally(by:)``) and whether it still opens
    /// the record, and the latest sign-off. The check itself runs only when the auditor asks
    /// (`POST /v1/audit/tally`); when their recorded check failed, it runs again here to list what
    /// it finds, since the entry on the ledger carries only the count.
    func tally(record id: String?, auditor: AccountAddress?, outcomes: [String: SessionReader.Outcome], values: TemplateValue) async throws -> Any {
        guard case .answered? = outcomes["fullTrail"], let id, let record = await node.record(id) else { return ["unavailable": true] }
        let window = await node.parameters().tallyAccessSeconds
        let windowText = window % 3_600 == 0 ? "\(window / 3_600) hour(s)" : "\(window / 60) minute(s)"
        var value: [String: Any] = ["recordFound": true, "windowText": windowText]
        if let auditor, let mine = record.tally(by: auditor) {
            var check: [String: Any] = [
                "result": mine.result.rawValue, "result_\(mine.result.rawValue)": true, "discrepancies": mine.discrepancies,
                "checkpointSize": Int(mine.checkpointSize), "entry": Int(mine.entry), "timeText": TemplateValue.format(time: mine.time),
            ]
            if let until = mine.opensUntil(windowSeconds: window) {
                check["opensUntilText"] = TemplateValue.format(time: until)
                check["open"] = node.clock() < until
                do {
                    value["discrepancies"] = try await node.tally(record: id).discrepancies
                } catch let error as AuditError {
                    value["discrepancies"] = [error.description]
                }
            }
            value["mine"] = check
        }
        if let signOff = record.signOff { value["signOff"] = try values.convert(signOff) }
        return value
    }

    /// The latest checkpoint and the newest entries, from the node's view of the latest tree
    /// size (read from the store once per block).
    private func explorer(values: TemplateValue) async throws -> Any {
        guard let view = try await node.explorerView() else { return ["empty": true] }
        let rows: [[String: Any]] = view.rows.map { item in
            var row: [String: Any] = [
                "index": Int(item.entry.index), "type": item.entry.type, "leafHash": Hex.encode(item.leafHash.bytes),
            ]
            if let event = item.event {
                row["outcome"] = event.outcome.rawValue
                row["outcome_\(event.outcome.rawValue)"] = true
                row["timeText"] = TemplateValue.format(time: event.time)
            }
            return row
        }
        let blocks: [[String: Any]] = view.blocks.map { block in
            var row: [String: Any] = ["size": Int(block.size)]
            if let time = block.time, let root = block.root {
                row["timeText"] = TemplateValue.format(time: time)
                row["root"] = Base64Coding.standard(root.bytes)
            }
            return row
        }
        let checkpoint = view.checkpoint
        return [
            "checkpoints": blocks,
            "size": Int(view.size), "root": Base64Coding.standard(checkpoint.checkpoint.root.bytes),
            "timeText": TemplateValue.format(time: checkpoint.checkpoint.time),
            "note": checkpoint.note.text, "logKey": node.verifierKey.vkey, "entries": rows,
        ]
    }

    /// One entry with its inclusion proof in the latest tree.
    private func entry(_ index: UInt64, values: TemplateValue) async throws -> Any {
        let size = node.size
        guard index < size, let found = try await node.entry(at: index) else { return ["missing": true] }
        let stored = found.entry
        let proof = try await node.inclusionProof(index: index, size: size)
        var value: [String: Any] = [
            "index": Int(index), "size": Int(size), "type": stored.type, "signer": stored.signer,
            "leafHash": Hex.encode(found.leafHash.bytes),
            "proof": proof.enumerated().map { ["level": $0.offset, "hash": Hex.encode($0.element.bytes)] },
            "envelope": String(decoding: stored.entry, as: UTF8.self),
        ]
        if let event = found.event {
            value["event"] = try values.convert(event)
        }
        return value
    }
}
