import Crypto
import Foundation
import Hummingbird
import MedLedgerCore
import MedLedgerFHIR
import MedLedgerNode

extension FHIRController {
    /// `GET /fhir/{Type}/{id}`: one resource, read as one page view (Binary: one download).
    @Sendable func read(_ request: Request, context: Context) async throws -> Response {
        try await answering(request) {
            let name = try context.parameters.require("type")
            let id = try context.parameters.require("id")
            guard let type = FHIRResourceType(rawValue: name) else { throw FHIRError.notFound("this server does not serve \(name.prefix(64))") }
            let caller = try await authorizedCaller(request)
            guard id.utf8.count <= 128 else { throw FHIRError.notFound("no such \(type.rawValue)") }
            if type == .binary { return try await binary(id, request: request, caller: caller) }
            guard caller.permits(type, .read) else { throw FHIRError.forbidden("the app was not granted reading \(type.rawValue)") }
            let fhir = fhirContext(request)
            let found = try await resource(type, id: id, caller: caller, fhir: fhir)
            return Self.response(.ok, found)
        }
    }

    /// Reads one resource by id; throws 404/403 as the contracts answer.
    func resource(_ type: FHIRResourceType, id: String, caller: Caller, fhir: FHIRContext) async throws -> FHIRJSON {
        let missing = FHIRError.notFound("no such \(type.rawValue)")
        switch type {
        case .patient:
            guard let address = AccountAddress(id) else { throw missing }
            let result = try answered(try await run([("r", ViewProfile(account: address))], caller: caller)["r"], type: type)
            guard case .profile(let account, _, _)? = result.answer, account.role == .patient else { throw missing }
            return FHIRPatient.resource(account, profile: result.content, context: fhir)
        case .practitioner:
            guard let address = AccountAddress(id) else { throw missing }
            let result = try answered(try await run([("r", ListAccounts(role: .doctor, status: .active))], caller: caller)["r"], type: type)
            guard case .accounts(let accounts)? = result.answer, let account = accounts.first(where: { $0.address == address }) else { throw missing }
            return FHIRPractitioner.resource(account, context: fhir)
        case .organization:
            let result = try answered(try await run([("r", ListOrganizations())], caller: caller)["r"], type: type)
            guard case .organizations(let list)? = result.answer, let organization = list.first(where: { $0.id == id }) else { throw missing }
            return FHIROrganization.resource(organization, context: fhir)
        case .appointment:
            let result = try answered(try await run([("r", ListAppointments())], caller: caller)["r"], type: type)
            guard case .appointments(let list)? = result.answer, let appointment = list.first(where: { $0.id == id }) else { throw missing }
            return FHIRAppointment.resource(appointment, context: fhir)
        case .documentReference, .medicationRequest, .immunization:
            guard Self.isIdentifier(id) else { throw missing }
            let result = try answered(try await run([("r", ViewRecord(record: id))], caller: caller)["r"], type: type)
            guard case .record(let record, let version)? = result.answer, AppScopeRule.resourceType(of: record.category) == type.rawValue else {
                throw missing
            }
            let roles = await node.roles(of: [version.author])
            let value = FHIRRecordVersion(record: record, version: version, authorRole: roles[version.author], content: Self.facts(of: result))
            return Self.recordResource(value, context: fhir)
        case .consent:
            let result = try answered(try await run([("r", ListGrants())], caller: caller)["r"], type: type)
            guard case .grants(let grants)? = result.answer, let grant = grants.first(where: { $0.id == id }) else { throw missing }
            return await consent(grant, fhir: fhir)
        case .auditEvent:
            guard let index = UInt64(id), String(index) == id else { throw missing }
            var query = AuditQuery(after: index == 0 ? nil : index - 1, limit: 1)
            query.to = nil
            let result = try answered(try await run([("r", QueryEvents(query: query))], caller: caller)["r"], type: type)
            guard let event = result.events?.first, event.index == index else { throw missing }
            return await auditEvents([event], fhir: fhir)[0]
        case .provenance:
            guard let (record, number) = FHIRProvenance.split(id), Self.isIdentifier(record) else { throw missing }
            _ = try answered(try await run([("r", QueryTrail(record: record, limit: 1))], caller: caller)["r"], type: type)
            guard let value = await node.record(record), let version = value.version(number) else { throw missing }
            return try await provenance(value, version: version, fhir: fhir)
        case .binary:
            throw missing
        }
    }

    /// The answered result of a read, or the error its refusal answers.
    func answered(_ outcome: SessionReader.Outcome?, type: FHIRResourceType) throws -> QueryResult {
        switch outcome {
        case .answered(let result)?: return result
        case .refused(let reason)?: throw Self.refusal(reason, type: type)
        case nil: throw FHIRError.forbidden("the read was not made")
        }
    }

    /// The resource a record version is served as.
    static func recordResource(_ value: FHIRRecordVersion, context: FHIRContext) -> FHIRJSON {
        switch value.record.category {
        case .prescriptions: FHIRMedicationRequest.resource(value, context: context)
        case .immunizations: FHIRImmunization.resource(value, context: context)
        case .visitNotes, .labResults, .reports, .medicalHistory: FHIRDocumentReference.resource(value, context: context)
        }
    }

    /// The status the record's resource carries, without building it (search filters by it).
    static func recordStatus(_ record: MedicalRecord) -> String {
        switch record.category {
        case .prescriptions: FHIRMedicationRequest.status(record)
        case .immunizations: FHIRImmunization.status(record)
        case .visitNotes, .labResults, .reports, .medicalHistory: FHIRDocumentReference.status(record)
        }
    }

    /// What a record read's decrypted content tells: type, size, SHA-1, and short plain text.
    static func facts(of result: QueryResult) -> FHIRContentFacts? {
        guard let metadata = result.contentMetadata, let size = result.contentSize else { return nil }
        var facts = FHIRContentFacts(contentType: metadata.mediaType, size: size)
        if let content = result.content {
            facts.sha1 = Base64Coding.standard(Array(Insecure.SHA1.hash(data: content)))
            if MediaTypeSniffer.essence(metadata.mediaType) == "text/plain", content.count <= FHIRContentFacts.textLimit,
                let text = String(validating: content, as: UTF8.self), !text.isEmpty
            {
                facts.text = text
            }
        }
        return facts
    }

    /// A grant as Consent, its record's resource type looked up for a record-scoped grant.
    func consent(_ grant: Grant, fhir: FHIRContext) async -> FHIRJSON {
        let roles = await node.roles(of: [grant.grantee])
        var recordType: String?
        if case .record(let id) = grant.scope, let record = await node.record(id) { recordType = AppScopeRule.resourceType(of: record.category) }
        return FHIRConsent.resource(grant, granteeRole: roles[grant.grantee], recordType: recordType, now: node.clock(), context: fhir)
    }

    /// Audit events as AuditEvent resources, with the apps' names and the records' types.
    func auditEvents(_ events: [AuditEvent], fhir: FHIRContext) async -> [FHIRJSON] {
        let roles = await node.roles(of: events.map(\.actor))
        var apps: [String: String] = [:]
        var types: [String: String] = [:]
        for event in events {
            if let app = event.app, apps[app] == nil { apps[app] = await node.clientApp(app)?.name ?? app }
            for record in event.records where types[record] == nil {
                if let value = await node.record(record) { types[record] = AppScopeRule.resourceType(of: value.category) }
            }
        }
        return events.map { FHIRAuditEvent.resource($0, roles: roles, appName: $0.app.flatMap { apps[$0] }, recordTypes: types, context: fhir) }
    }

    /// The Provenance of one record version: its signed entry and the latest checkpoint.
    func provenance(_ record: MedicalRecord, version: RecordVersion, fhir: FHIRContext) async throws -> FHIRJSON {
        let roles = await node.roles(of: [version.author])
        guard let row = try await node.entry(at: version.entry) else { throw FHIRError.notFound("no such Provenance") }
        let value = FHIRRecordVersion(record: record, version: version, authorRole: roles[version.author])
        return FHIRProvenance.resource(value, envelope: row.entry.entry, checkpoint: node.checkpoint?.note.serialized, context: fhir)
    }

    /// `GET /fhir/Binary/<record>-<version>`: the version's content, as one audited download. The
    /// bytes stream as they are stored (their own media type), or, when the client asks for
    /// `application/fhir+json`, as a Binary resource with the content in base64 (up to 4 MiB).
    func binary(_ id: String, request: Request, caller: Caller) async throws -> Response {
        guard let (record, version) = FHIRProvenance.split(id), Self.isIdentifier(record) else { throw FHIRError.notFound("no such Binary") }
        let outcome = try await reader.read(DownloadRecord(record: record, version: version), session: caller.web, loadContent: false)
        let result = try answered(outcome, type: .binary)
        let content: any BlobReader
        do {
            content = try await node.openContent(of: result)
        } catch let error as BlobStoreError {
            let message = await reader.reportContentFailure(error, result: result, session: caller.web)
            throw FHIRError(status: error == .erased ? 410 : 500, code: "exception", message)
        }
        let accept = request.headers[.accept] ?? ""
        guard accept.contains("application/fhir+json") || accept.contains("application/json") else {
            return ContentResponse.make(reader: content, request: request, fallbackName: "record-\(record)-v\(version)")
        }
        defer { content.close() }
        guard content.size <= LedgerNode.inlineContentLimit else {
            throw FHIRError(status: 406, code: "too-costly", "the content is too large for a Binary resource; ask for it without Accept: application/fhir+json")
        }
        var bytes: [UInt8] = []
        try await content.read(0..<content.size) { bytes += $0 }
        return Self.response(.ok, [
            "resourceType": "Binary", "id": .string(id), "contentType": .string(content.metadata.mediaType), "data": .string(Base64Coding.standard(bytes)),
        ])
    }

    /// A record id's shape, checked before any read is signed.
    static func isIdentifier(_ id: String) -> Bool {
        Validation.isIdentifier(id)
    }
}
