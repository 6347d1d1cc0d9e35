import Foundation
import HTTPTypes
import Hummingbird
import MedLedgerCore
import MedLedgerFHIR
import MedLedgerNode

extension FHIRController {
    /// `GET /fhir/{Type}?…`: a searchset Bundle. The parameters are checked first (400 for
    /// anything unknown or malformed); the reads the search needs run as one page view; matches are
    /// filtered, counted (`total`) and paged by `_count` and `_offset`, with self, first, next and
    /// previous links. Reads the contracts refuse give no entries.
    @Sendable func search(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            let name = try context.parameters.require("type")
            guard let type = FHIRResourceType(rawValue: name) else { throw FHIRError.notFound("this server does not serve \(name.prefix(64))") }
            let caller = try await authorizedCaller(request)
            let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
            let lenient = request.headers[HTTPField.Name("Prefer")!]?.lowercased().contains("handling=lenient") == true
            let search = try FHIRSearch.parse(type, query: query, lenient: lenient)
            guard caller.permits(type, .search) else { throw FHIRError.forbidden("the app was not granted searching \(type.rawValue)") }
            let fhir = fhirContext(request)
            let found = try await matches(search, caller: caller, fhir: fhir)
            let start = min(search.offset, found.matches.count)
            let end = min(start + search.count, found.matches.count)
            var entries = try await found.page(start..<end).map { FHIRBundle.Entry(resource: $0) }
            entries += found.included.map { FHIRBundle.Entry(resource: $0, mode: "include") }
            if !search.ignoredParameters.isEmpty {
                let ignored = "ignored unknown parameters: " + search.ignoredParameters.joined(separator: ", ")
                entries.append(FHIRBundle.Entry(resource: FHIROperationOutcome.resource(severity: "warning", code: "not-supported", diagnostics: ignored), mode: "outcome"))
            }
            if let warning = found.warning {
                entries.append(FHIRBundle.Entry(resource: FHIROperationOutcome.resource(severity: "warning", code: "forbidden", diagnostics: warning), mode: "outcome"))
            }
            let url = { (offset: Int) in Self.url(fhir.base + "/" + type.rawValue, search.query(offset: offset)) }
            var links: [(String, String)] = [("self", url(search.offset)), ("first", url(0))]
            if end < found.matches.count { links.append(("next", url(end))) }
            if start > 0 { links.append(("previous", url(max(0, start - search.count)))) }
            return Self.response(.ok, FHIRBundle.searchset(total: found.matches.count, entries: entries, links: links, context: fhir))
        }
    }

    /// What a search found: every match (mapped lazily, so only the page is built), included
    /// resources, and the reason when the contracts refused the search's read.
    struct Found: Sendable {
        var matches: [@Sendable () async throws -> FHIRJSON] = []
        var included: [FHIRJSON] = []
        var warning: String?

        func page(_ range: Range<Int>) async throws -> [FHIRJSON] {
            var resources: [FHIRJSON] = []
            for index in range { resources.append(try await matches[index]()) }
            return resources
        }
    }

    /// Runs a search's reads and filters their answers.
    func matches(_ search: FHIRSearch, caller: Caller, fhir: FHIRContext) async throws -> Found {
        var found = Found()
        func only(_ outcome: SessionReader.Outcome?) -> QueryResult? {
            switch outcome {
            case .answered(let result)?: return result
            case .refused(let reason)?:
                found.warning = reason
                return nil
            case nil: return nil
            }
        }
        let ids = search.ids
        switch search.type {
        case .patient:
            var patients: [AccountAddress] = []
            if let ids {
                patients = ids.compactMap { AccountAddress($0) }.sorted()
            } else if let patient = caller.session.patient {
                patients = [patient]
            } else if await node.account(caller.web.account)?.role == .patient {
                patients = [caller.web.account]
            }
            patients = Array(patients.prefix(PageView.readLimit))
            guard !patients.isEmpty else { return found }
            var reads: [(String, any ContractAction)] = []
            for (position, patient) in patients.enumerated() { reads.append(("p\(position)", ViewProfile(account: patient))) }
            let outcomes = try await run(reads, caller: caller)
            for position in patients.indices {
                guard let result = only(outcomes["p\(position)"]), case .profile(let account, _, _)? = result.answer, account.role == .patient else { continue }
                let resource = FHIRPatient.resource(account, profile: result.content, context: fhir)
                found.matches.append { resource }
            }
        case .practitioner:
            let read: any ContractAction
            if let name = search.name {
                read = SearchDirectory(text: name, role: .doctor)
            } else {
                read = ListAccounts(role: .doctor, status: .active)
            }
            let result = only(try await run([("r", read)], caller: caller)["r"])
            var accounts: [Account] = []
            if case .accounts(let list)? = result?.answer { accounts = list }
            if case .directory(let entries)? = result?.answer {
                let known = await node.accounts()
                accounts = entries.compactMap { known[$0.address]?.publicView }
            }
            for account in accounts where account.role == .doctor && (ids?.contains(account.address.rawValue) ?? true) {
                found.matches.append { FHIRPractitioner.resource(account, context: fhir) }
            }
        case .organization:
            guard let result = only(try await run([("r", ListOrganizations())], caller: caller)["r"]), case .organizations(let list)? = result.answer else {
                return found
            }
            let kinds = search.organizationType.flatMap(FHIROrganization.kinds(matching:))
            for organization in list where (ids?.contains(organization.id) ?? true) && (kinds?.contains(organization.kind) ?? true)
                && (search.name.map { organization.name.lowercased().contains($0.lowercased()) } ?? true)
            {
                found.matches.append { FHIROrganization.resource(organization, context: fhir) }
            }
        case .appointment:
            guard let result = only(try await run([("r", ListAppointments())], caller: caller)["r"]), case .appointments(let list)? = result.answer else {
                return found
            }
            for appointment in list.sorted(by: { ($0.time, $0.id) < ($1.time, $1.id) })
            where (ids?.contains(appointment.id) ?? true) && (search.patient.map { $0 == appointment.patient } ?? true)
                && (search.practitioner.map { $0 == appointment.doctor } ?? true)
                && (search.statuses?.contains(FHIRAppointment.status(appointment.status)) ?? true)
                && search.dates.allSatisfy({ $0.matches(appointment.time) })
            {
                found.matches.append { FHIRAppointment.resource(appointment, context: fhir) }
            }
        case .documentReference, .medicationRequest, .immunization:
            guard let patient = try await searchedPatient(search, caller: caller) else {
                throw FHIRError.invalid("name the patient (patient=Patient/<address>)")
            }
            var reads: [(String, any ContractAction)] = [("records", ListRecords(patient: patient))]
            if !search.includes.isEmpty { reads.append(("subject", ViewProfile(account: patient))) }
            let outcomes = try await run(reads, caller: caller)
            if let result = only(outcomes["subject"]), case .profile(let account, _, _)? = result.answer, account.role == .patient {
                found.included.append(FHIRPatient.resource(account, profile: result.content, context: fhir))
            }
            guard let result = only(outcomes["records"]), case .records(let records)? = result.answer else { return found }
            // Filters read the record alone; only the page returned is mapped (with its authors' roles).
            for record in records where AppScopeRule.resourceType(of: record.category) == search.type.rawValue && (ids?.contains(record.id) ?? true) {
                if let categories = search.categories {
                    var codes: Set<String> = [record.category.rawValue]
                    if let loinc = FHIRDocumentReference.loinc(record.category) { codes.insert(loinc.code) }
                    guard !categories.isDisjoint(with: codes) else { continue }
                }
                if let statuses = search.statuses, !statuses.contains(Self.recordStatus(record)) { continue }
                guard search.dates.allSatisfy({ $0.matches(record.current.time) }) else { continue }
                found.matches.append {
                    let roles = await node.roles(of: [record.current.author])
                    return Self.recordResource(FHIRRecordVersion(record: record, authorRole: roles[record.current.author]), context: fhir)
                }
            }
        case .consent:
            guard let result = only(try await run([("r", ListGrants())], caller: caller)["r"]), case .grants(let grants)? = result.answer else {
                return found
            }
            let now = node.clock()
            for grant in grants where (ids?.contains(grant.id) ?? true) && (search.patient.map { $0 == grant.patient } ?? true)
                && (search.statuses?.contains(FHIRConsent.status(grant, now: now)) ?? true) && search.dates.allSatisfy({ $0.matches(grant.createdTime) })
            {
                found.matches.append { await consent(grant, fhir: fhir) }
            }
        case .auditEvent:
            var query = AuditQuery(record: search.target?.id, patient: search.patient, limit: AuditQuery.maxLimit)
            if search.patient == nil, caller.session.patient != nil, !caller.session.resourceScopes.contains(where: { $0.context == .user }) {
                query.patient = caller.session.patient
            }
            // Date bounds narrow the log read itself; the bounds are checked again on each event.
            for bound in search.dates {
                switch bound.prefix {
                case .eq: (query.from, query.to) = (max(query.from ?? bound.start, bound.start), min(query.to ?? bound.end, bound.end))
                case .ge: query.from = max(query.from ?? bound.start, bound.start)
                case .gt, .sa: query.from = max(query.from ?? bound.end, bound.end)
                case .le: query.to = min(query.to ?? bound.end, bound.end)
                case .lt, .eb: query.to = min(query.to ?? bound.start, bound.start)
                case .ne: break
                }
            }
            if let from = query.from, let to = query.to, from >= to { return found }
            guard let result = only(try await run([("r", QueryEvents(query: query))], caller: caller)["r"]), let events = result.events else { return found }
            let shown = events.filter { event in (ids?.contains(String(event.index)) ?? true) && search.dates.allSatisfy { $0.matches(event.time) } }
            // Mapping needs names and types looked up once for the whole page; each match maps its own event.
            for event in shown {
                found.matches.append { await auditEvents([event], fhir: fhir)[0] }
            }
        case .provenance:
            var target: (type: String, id: String)? = search.target
            if target == nil, let first = ids?.sorted().first, let split = FHIRProvenance.split(first) { target = (type: "", id: split.record) }
            guard let target, Self.isIdentifier(target.id) else { return found }
            guard only(try await run([("r", QueryTrail(record: target.id, limit: 1))], caller: caller)["r"]) != nil,
                let record = await node.record(target.id), target.type.isEmpty || AppScopeRule.resourceType(of: record.category) == target.type
            else { return found }
            for version in record.versions where ids?.contains("\(record.id)-\(version.number)") ?? true {
                found.matches.append { try await provenance(record, version: version, fhir: fhir) }
            }
        case .binary:
            break
        }
        return found
    }

    /// The patient a record search is about: the `patient` parameter, else the token's launch
    /// patient, else the signed-in account when it is a patient.
    func searchedPatient(_ search: FHIRSearch, caller: Caller) async throws -> AccountAddress? {
        if let patient = search.patient { return patient }
        if let patient = caller.session.patient { return patient }
        return await node.account(caller.web.account)?.role == .patient ? caller.web.account : nil
    }

    /// An absolute URL with a query, values percent-encoded.
    static func url(_ base: String, _ query: [(String, String)]) -> String {
        guard !query.isEmpty else { return base }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#;")
        let encoded = query.map { name, value in
            (name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "") + "=" + (value.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")
        }
        return base + "?" + encoded.joined(separator: "&")
    }
}
