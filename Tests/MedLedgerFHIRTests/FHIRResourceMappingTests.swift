import Crypto
import Foundation
import MedLedgerCore
import MedLedgerFHIR
import Testing

/// Each resource carries the elements FHIR R4 requires and the codes the API promises.
@Suite("FHIR resources from ledger values")
struct FHIRResourceMappingTests {
    static let context = FHIRContext(nodeBase: "https://ledger.example/", origin: "ledger.example/log")
    static let patient = P256.Signing.PrivateKey().publicKey.address
    static let doctor = P256.Signing.PrivateKey().publicKey.address
    static let time: Int64 = 1_795_000_000_123

    static func record(_ category: RecordCategory, id: String = "rec-1") -> MedicalRecord {
        MedicalRecord(
            id: id, patient: patient, category: category, author: doctor,
            versions: [RecordVersion(number: 1, content: "bafy", author: doctor, entry: 7, time: time)], createdAt: 7)
    }

    /// A tombstone or dispensing as the contracts store it (they have no public initialiser).
    static func decoded<T: Decodable>(_ type: T.Type, by account: AccountAddress) throws -> T {
        try JSONDecoder().decode(type, from: Data(#"{"by":"\#(account.rawValue)","entry":9,"time":\#(time)}"#.utf8))
    }

    @Test("times are UTC instants and dates with milliseconds")
    func times() {
        #expect(FHIRTime.instant(0) == "1970-01-01T00:00:00.000Z")
        #expect(FHIRTime.instant(1_795_000_000_123) == "2026-11-18T11:06:40.123Z")
        #expect(FHIRTime.date(-1) == "1969-12-31")
        #expect(FHIRTime.millis(year: 2024, month: 2, day: 30) == nil)
    }

    @Test("output is deterministic with sorted keys and escaped text")
    func deterministicOutput() {
        let value: FHIRJSON = ["b": "x\"y\n", "a": [1, true, .null]]
        #expect(value.serialized == #"{"a":[1,true,null],"b":"x\"y\n"}"#)
        #expect(FHIRJSON.members(["a": nil, "b": .array([]), "c": "kept"]).serialized == #"{"c":"kept"}"#)
    }

    @Test("a patient shows only the profile fields it was given, with gender mapped")
    func patient() {
        var account = Account(address: Self.patient, publicKey: "k", role: .patient, status: .active, createdAt: 3)
        account.profile = "bafy"
        let profile = Array(#"{"name":"Ada Lovelace","birthDate":"1985-12-10","gender":"non-binary","phone":"+44 1"}"#.utf8)
        let resource = FHIRPatient.resource(account, profile: profile, context: Self.context)
        #expect(resource["resourceType"] == "Patient")
        #expect(resource["id"] == .string(Self.patient.rawValue))
        #expect(resource["active"] == true)
        #expect(resource["gender"] == "other")
        #expect(resource["birthDate"] == "1985-12-10")
        #expect(resource["telecom"]?.array?.first?["value"] == "+44 1")
        let bare = FHIRPatient.resource(account, profile: Array(#"{"name":"Ada"}"#.utf8), context: Self.context)
        #expect(bare["telecom"] == nil && bare["gender"] == nil && bare["birthDate"] == nil)
    }

    @Test("a practitioner carries the register facts and the account identifier")
    func practitioner() {
        var account = Account(address: Self.doctor, publicKey: "k", role: .doctor, status: .active, displayName: "Dr Who", speciality: "Cardiology", licence: "L-1", createdAt: 4)
        account.organization = "h-1"
        let resource = FHIRPractitioner.resource(account, context: Self.context)
        #expect(resource["identifier"]?.array?.first?["system"] == "https://ledger.example/fhir/sid/account")
        #expect(resource["qualification"]?.array?.count == 2)
        #expect(resource["name"]?.array?.first?["text"] == "Dr Who")
    }

    @Test("an organization is typed as a provider and by kind")
    func organization() {
        let resource = FHIROrganization.resource(Organization(id: "ph-1", name: "Pharma", kind: .pharmacy, createdAt: 2), context: Self.context)
        let codes = resource["type"]?.array?.first?["coding"]?.array?.compactMap { $0["code"]?.string }
        #expect(codes == ["prov", "pharmacy"])
    }

    @Test("appointment statuses map to FHIR's and both participants are listed")
    func appointment() {
        #expect(FHIRAppointment.status(.requested) == "proposed")
        #expect(FHIRAppointment.status(.accepted) == "booked")
        #expect(FHIRAppointment.status(.declined) == "cancelled")
        #expect(FHIRAppointment.status(.completed) == "fulfilled")
        let resource = FHIRAppointment.resource(
            Appointment(id: "ap-1", patient: Self.patient, doctor: Self.doctor, time: Self.time, symptoms: "bafy", createdAt: 9), context: Self.context)
        #expect(resource["participant"]?.array?.count == 2)
        #expect(resource["start"] == "2026-11-18T11:06:40.123Z")
        #expect(resource["description"] == nil)
    }

    @Test("a document reference codes LOINC where it fits and links its Binary with a hash only when read")
    func documentReference() throws {
        let searched = FHIRDocumentReference.resource(FHIRRecordVersion(record: Self.record(.labResults), authorRole: .doctor), context: Self.context)
        #expect(searched["status"] == "current")
        #expect(searched["type"]?["coding"]?.array?.first?["code"] == "11502-2")
        let attachment = searched["content"]?.array?.first?["attachment"]
        #expect(attachment?["url"] == "https://ledger.example/fhir/Binary/rec-1-1")
        #expect(attachment?["hash"] == nil)
        #expect(searched["author"]?.array?.first?["reference"] == .string("Practitioner/\(Self.doctor)"))
        var deleted = Self.record(.reports)
        deleted.deleted = try Self.decoded(RecordTombstone.self, by: Self.patient)
        let facts = FHIRContentFacts(contentType: "application/pdf", size: 10, sha1: "qvTGHdzF6KLavt4PO0gs2a6pQ00=")
        let read = FHIRDocumentReference.resource(FHIRRecordVersion(record: deleted, authorRole: .doctor, content: facts), context: Self.context)
        #expect(read["status"] == "entered-in-error")
        #expect(read["content"]?.array?.first?["attachment"]?["hash"] == "qvTGHdzF6KLavt4PO0gs2a6pQ00=")
        #expect(read["type"]?["coding"]?.array?.first?["system"] == "https://ledger.example/fhir/CodeSystem/record-category")
    }

    @Test("a prescription is an order, completed once dispensed, with its text when read as text")
    func medicationRequest() throws {
        var record = Self.record(.prescriptions)
        let unread = FHIRMedicationRequest.resource(FHIRRecordVersion(record: record, authorRole: .doctor), context: Self.context)
        #expect(unread["intent"] == "order" && unread["status"] == "active")
        #expect(unread["medicationCodeableConcept"]?["text"] == .string(FHIRMedicationRequest.attachedText))
        #expect(unread["supportingInformation"]?.array?.first?["reference"] == "Binary/rec-1-1")
        record.dispensed = try Self.decoded(Dispensing.self, by: Self.doctor)
        let read = FHIRMedicationRequest.resource(
            FHIRRecordVersion(record: record, authorRole: .doctor, content: FHIRContentFacts(contentType: "text/plain", size: 9, text: "Aspirin 1")),
            context: Self.context)
        #expect(read["status"] == "completed")
        #expect(read["medicationCodeableConcept"]?["text"] == "Aspirin 1")
        #expect(read["supportingInformation"] == nil)
    }

    @Test("an immunization is completed at the version's time")
    func immunization() {
        let resource = FHIRImmunization.resource(FHIRRecordVersion(record: Self.record(.immunizations), authorRole: .doctor), context: Self.context)
        #expect(resource["status"] == "completed")
        #expect(resource["occurrenceDateTime"] == "2026-11-18T11:06:40.123Z")
        #expect(resource["patient"]?["reference"] == .string("Patient/\(Self.patient)"))
    }

    @Test("a grant is a privacy consent, inactive once expired, with its scope as provision")
    func consent() {
        let grant = Grant(id: "g-1", patient: Self.patient, grantee: Self.doctor, scope: .category(.labResults), expires: Self.time + 1000, oneTime: false, createdAt: 5, createdTime: Self.time)
        let active = FHIRConsent.resource(grant, granteeRole: .doctor, recordType: nil, now: Self.time, context: Self.context)
        #expect(active["status"] == "active")
        #expect(active["category"]?.array?.first?["coding"]?.array?.first?["code"] == "59284-0")
        #expect(active["scope"]?["coding"]?.array?.first?["code"] == "patient-privacy")
        #expect(active["provision"]?["class"]?.array?.first?["code"] == "DocumentReference")
        #expect(active["provision"]?["period"]?["end"] == .string(FHIRTime.instant(Self.time + 1000)))
        #expect(FHIRConsent.resource(grant, granteeRole: .doctor, recordType: nil, now: Self.time + 1000, context: Self.context)["status"] == "inactive")
    }

    @Test("an app's read is a rest AuditEvent with the app as second agent; a denial has outcome 4")
    func auditEvent() {
        let event = AuditEvent(
            index: 42, time: Self.time, action: "page.view", status: .viewed, outcome: .allowed, message: "Viewed", actor: Self.patient,
            actorRole: .patient, patient: Self.patient, record: "rec-1", app: "demo-app")
        let resource = FHIRAuditEvent.resource(event, roles: [:], appName: "Demo App", recordTypes: ["rec-1": "DocumentReference"], context: Self.context)
        #expect(resource["type"]?["code"] == "rest")
        #expect(resource["subtype"]?.array?.first?["code"] == "read")
        #expect(resource["action"] == "R" && resource["outcome"] == "0")
        #expect(resource["agent"]?.array?.count == 2)
        #expect(resource["agent"]?.array?.last?["who"]?["display"] == "Demo App")
        let entities = resource["entity"]?.array ?? []
        #expect(entities.contains { $0["what"]?["identifier"]?["value"] == "42" })
        #expect(entities.contains { $0["what"]?["reference"] == "DocumentReference/rec-1" })
        var denied = event
        denied.outcome = .denied
        denied.app = nil
        let refused = FHIRAuditEvent.resource(denied, roles: [:], appName: nil, recordTypes: [:], context: Self.context)
        #expect(refused["outcome"] == "4")
        #expect(refused["type"]?["code"] == "110110")
        #expect(refused["agent"]?.array?.count == 1)
    }

    @Test("provenance carries the signed envelope, the entry and the checkpoint")
    func provenance() {
        let resource = FHIRProvenance.resource(
            FHIRRecordVersion(record: Self.record(.visitNotes), authorRole: .doctor), envelope: Array("{}".utf8), checkpoint: "origin\n8\n",
            context: Self.context)
        #expect(resource["id"] == "rec-1-1")
        #expect(resource["target"]?.array?.first?["reference"] == "DocumentReference/rec-1/_history/1")
        let signature = resource["signature"]?.array?.first
        #expect(signature?["sigFormat"] == "application/vnd.dsse+json")
        #expect(signature?["data"] == "e30=")
        #expect(signature?["type"]?.array?.first?["code"] == "1.2.840.10065.1.12.1.1")
        #expect(resource["extension"]?.array?.count == 2)
        #expect(FHIRProvenance.split("rec-with-dashes-12")?.record == "rec-with-dashes")
        #expect(FHIRProvenance.split("rec-0") == nil && FHIRProvenance.split("norecord") == nil && FHIRProvenance.split("-1") == nil)
    }

    @Test("the capability statement declares 4.0.1, SMART and exactly the implemented search parameters")
    func capabilityStatement() {
        let statement = FHIRCapabilityStatement.resource(context: Self.context)
        #expect(statement["fhirVersion"] == "4.0.1")
        let rest = statement["rest"]?.array?.first
        #expect(rest?["security"]?["service"]?.array?.first?["coding"]?.array?.first?["code"] == "SMART-on-FHIR")
        let resources = rest?["resource"]?.array ?? []
        #expect(resources.count == FHIRResourceType.allCases.count)
        let patient = resources.first { $0["type"] == "Patient" }
        #expect(patient?["operation"]?.array?.first?["name"] == "export")
        let binary = resources.first { $0["type"] == "Binary" }
        #expect(binary?["interaction"]?.array?.count == 1)
    }

    @Test("a searchset Bundle has its total, links and absolute entry URLs; outcomes say what was wrong")
    func bundleAndOutcome() {
        let patient = FHIRJSON.object(["resourceType": "Patient", "id": "p-1"])
        let bundle = FHIRBundle.searchset(
            total: 3, entries: [FHIRBundle.Entry(resource: patient)], links: [("self", "https://ledger.example/fhir/Patient")], context: Self.context)
        #expect(bundle["type"] == "searchset" && bundle["total"] == 3)
        #expect(bundle["entry"]?.array?.first?["fullUrl"] == "https://ledger.example/fhir/Patient/p-1")
        #expect(bundle["entry"]?.array?.first?["search"]?["mode"] == "match")
        #expect(FHIRBundle.ndjson([patient, patient]) == Array((patient.serialized + "\n" + patient.serialized + "\n").utf8))
        let outcome = FHIRError.invalid("bad _count").outcome
        #expect(outcome["issue"]?.array?.first?["code"] == "invalid")
        #expect(outcome["issue"]?.array?.first?["severity"] == "error")
    }
}
