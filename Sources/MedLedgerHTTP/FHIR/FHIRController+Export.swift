import Foundation
import HTTPTypes
import Hummingbird
import MedLedgerCore
import MedLedgerFHIR
import MedLedgerNode

extension FHIRController {
    /// The resource types a patient export writes, in the order of the manifest.
    static var exportTypes: [FHIRResourceType] { [.patient, .documentReference, .medicationRequest, .immunization, .appointment, .consent] }

    /// `GET /fhir/Patient/{id}/$export` (Bulk Data, patient level): needs `Prefer: respond-async`;
    /// takes `_type` (a comma-separated subset of ``exportTypes``), `_since` (an instant or date:
    /// only resources changed since) and `_outputFormat` (NDJSON only). Answers 202 with the
    /// status URL in `Content-Location`; the job reads everything in one page view (the patient's
    /// profile, records, appointments and grants) and writes one NDJSON file per type.
    @Sendable func exportKickOff(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            guard try context.parameters.require("type") == "Patient" else { throw FHIRError.notFound("$export is served on Patient only") }
            let caller = try await authorizedCaller(request)
            guard let patient = AccountAddress(try context.parameters.require("id")) else { throw FHIRError.notFound("no such Patient") }
            guard request.headers[HTTPField.Name("Prefer")!]?.lowercased().contains("respond-async") == true else {
                throw FHIRError.invalid("a bulk export needs the header Prefer: respond-async")
            }
            var types = Self.exportTypes
            var since: Int64?
            for (name, value) in request.uri.queryParameters.map({ (String($0.key), String($0.value)) }) {
                guard value.utf8.count <= 512 else { throw FHIRError.invalid("parameter values are limited to 512 characters") }
                switch name {
                case "_type":
                    let asked = value.split(separator: ",").map { String($0) }
                    let known = asked.compactMap(FHIRResourceType.init(rawValue:)).filter { Self.exportTypes.contains($0) }
                    guard !asked.isEmpty, known.count == asked.count else {
                        throw FHIRError.invalid("_type may name \(Self.exportTypes.map(\.rawValue).joined(separator: ", "))")
                    }
                    types = Self.exportTypes.filter(known.contains)
                case "_since":
                    guard let bound = FHIRDateBound(value), bound.prefix == .eq else { throw FHIRError.invalid("_since must be an instant such as 2024-01-01T00:00:00Z") }
                    since = bound.start
                case "_outputFormat":
                    guard ["application/fhir+ndjson", "application/ndjson", "ndjson"].contains(value) else {
                        throw FHIRError.invalid("_outputFormat must be application/fhir+ndjson")
                    }
                default:
                    throw FHIRError.invalid("unknown export parameter \(String(name.prefix(40)))")
                }
            }
            types = types.filter { caller.permits($0, .search) || caller.permits($0, .read) }
            guard !types.isEmpty else { throw FHIRError.forbidden("the app was not granted reading any of the exported types") }
            let fhir = fhirContext(request)
            let requestURL = fhir.nodeBase + request.uri.description
            let work: @Sendable () async throws -> [FHIRExportJobs.File] = { [self, types, since] in
                try await exportFiles(patient: patient, types: types, since: since, caller: caller, fhir: fhir)
            }
            let job = try await exports.start(owner: caller.web.sessionAddress, request: requestURL, work: work)
            logger.info("FHIR export started", metadata: ["job": .string(job), "app": .string(caller.app.id)])
            return Self.response(
                .accepted, FHIROperationOutcome.resource(severity: "information", code: "informational", diagnostics: "export started"),
                headers: [.contentLocation: "\(fhir.base)/_bulk/\(job)/status"])
        }
    }

    /// Reads the patient's data in ONE page view and writes the NDJSON files.
    func exportFiles(patient: AccountAddress, types: [FHIRResourceType], since: Int64?, caller: Caller, fhir: FHIRContext) async throws
        -> [FHIRExportJobs.File]
    {
        var reads: [(String, any ContractAction)] = []
        if types.contains(.patient) { reads.append(("patient", ViewProfile(account: patient))) }
        if types.contains(where: \.isRecordType) { reads.append(("records", ListRecords(patient: patient))) }
        if types.contains(.appointment) { reads.append(("appointments", ListAppointments())) }
        if types.contains(.consent) { reads.append(("grants", ListGrants())) }
        let outcomes = try await run(reads, caller: caller)
        func answer(_ name: String) -> QueryResult? {
            if case .answered(let result)? = outcomes[name] { return result }
            return nil
        }
        var resources: [FHIRResourceType: [FHIRJSON]] = [:]
        if let result = answer("patient"), case .profile(let account, _, _)? = result.answer, account.role == .patient {
            resources[.patient] = [FHIRPatient.resource(account, profile: result.content, context: fhir)]
        }
        if case .records(let records)? = answer("records")?.answer {
            let roles = await node.roles(of: records.map(\.current.author))
            for record in records where since.map({ record.current.time >= $0 }) ?? true {
                let value = FHIRRecordVersion(record: record, authorRole: roles[record.current.author])
                guard let type = FHIRResourceType(rawValue: value.resourceType), types.contains(type) else { continue }
                resources[type, default: []].append(Self.recordResource(value, context: fhir))
            }
        }
        if case .appointments(let list)? = answer("appointments")?.answer {
            resources[.appointment] = list.filter { $0.patient == patient }.map { FHIRAppointment.resource($0, context: fhir) }
        }
        if case .grants(let grants)? = answer("grants")?.answer {
            var consents: [FHIRJSON] = []
            for grant in grants where grant.patient == patient && (since.map { grant.createdTime >= $0 } ?? true) {
                consents.append(await consent(grant, fhir: fhir))
            }
            resources[.consent] = consents
        }
        try Task.checkCancellation()
        var files: [FHIRExportJobs.File] = types.compactMap { type in
            guard let list = resources[type], !list.isEmpty else { return nil }
            return FHIRExportJobs.File(type: type.rawValue, count: list.count, bytes: FHIRBundle.ndjson(list))
        }
        // Reads the contracts refused are reported in the manifest's `error` list, one outcome each.
        let refusals: [FHIRJSON] = reads.compactMap { name, _ in
            guard case .refused(let reason)? = outcomes[name] else { return nil }
            return FHIROperationOutcome.resource(code: "forbidden", diagnostics: "\(name): \(reason)")
        }
        if !refusals.isEmpty {
            files.append(FHIRExportJobs.File(type: "OperationOutcome", count: refusals.count, bytes: FHIRBundle.ndjson(refusals)))
        }
        return files
    }

    /// `GET /fhir/_bulk/{job}/status`: 202 with `X-Progress` while the job runs, then 200 with the
    /// manifest; only the session that started the job may ask.
    @Sendable func exportStatus(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            let caller = try await authorizedCaller(request)
            let id = try context.parameters.require("job")
            guard let job = try await exports.job(id, owner: caller.web.sessionAddress) else { throw FHIRError.notFound("no such export") }
            let fhir = fhirContext(request)
            switch job.state {
            case .running:
                return Response(status: .accepted, headers: [HTTPField.Name("X-Progress")!: "running", .retryAfter: "1", .cacheControl: "no-store"])
            case .failed(let reason):
                return Self.response(.internalServerError, FHIROperationOutcome.resource(code: "exception", diagnostics: reason))
            case .done(let time, let files):
                // Refusals go in `error`, everything else in `output`; both list files the same way.
                func listed(errors: Bool) -> FHIRJSON {
                    .array(files.filter { ($0.type == "OperationOutcome") == errors }.map {
                        ["type": .string($0.type), "url": .string("\(fhir.base)/_bulk/\(id)/files/\($0.type).ndjson"), "count": .integer(Int64($0.count))]
                    })
                }
                let manifest: FHIRJSON = [
                    "transactionTime": .string(FHIRTime.instant(time)),
                    "request": .string(job.request),
                    "requiresAccessToken": true,
                    "output": listed(errors: false),
                    "error": listed(errors: true),
                ]
                return Response(
                    status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store", .expires: "0"],
                    body: .init(byteBuffer: ByteBuffer(bytes: manifest.bytes)))
            }
        }
    }

    /// `DELETE /fhir/_bulk/{job}/status`: cancels the job and deletes its files.
    @Sendable func exportCancel(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            let caller = try await authorizedCaller(request)
            guard try await exports.remove(try context.parameters.require("job"), owner: caller.web.sessionAddress) else {
                throw FHIRError.notFound("no such export")
            }
            return Response(status: .accepted)
        }
    }

    /// `GET /fhir/_bulk/{job}/files/{Type}.ndjson`: one output file, to the same session only.
    @Sendable func exportFile(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            let caller = try await authorizedCaller(request)
            let name = try context.parameters.require("file")
            guard let job = try await exports.job(try context.parameters.require("job"), owner: caller.web.sessionAddress),
                case .done(_, let files) = job.state, let file = files.first(where: { "\($0.type).ndjson" == name })
            else { throw FHIRError.notFound("no such export file") }
            return Response(
                status: .ok, headers: [.contentType: "application/fhir+ndjson", .cacheControl: "no-store"],
                body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
        }
    }
}
