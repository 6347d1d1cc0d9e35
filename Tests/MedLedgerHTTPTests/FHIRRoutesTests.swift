import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerFHIR
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// The FHIR routes on a real ledger: every read an app's token makes is one audited page view
/// under the scopes the user signed.
@Suite("FHIR R4 routes")
struct FHIRRoutesTests {
    static func entries(_ bundle: [String: Any]) -> [[String: Any]] {
        (bundle["entry"] as? [[String: Any]] ?? []).compactMap { $0["resource"] as? [String: Any] }
    }

    static func path(of url: String) -> String {
        url.replacingOccurrences(of: "http://localhost", with: "")
    }

    @Test("metadata needs no token and declares FHIR 4.0.1 with SMART")
    func metadata() async throws {
        let fixture = try await FHIRFixture.make()
        try await fixture.application.test(.router) { client in
            let answer = try await client.fhir("/fhir/metadata", token: nil)
            #expect(answer.status == .ok)
            #expect(answer.json["fhirVersion"] as? String == "4.0.1")
            #expect(answer.response.headers[.contentType]?.hasPrefix("application/fhir+json") == true)
            let discovery = try await client.fhir("/fhir/.well-known/smart-configuration", token: nil)
            #expect(discovery.status == .permanentRedirect)
            #expect(discovery.response.headers[.location] == "http://localhost/.well-known/smart-configuration")
        }
    }

    @Test("a retired app's tokens get 401 and read nothing")
    func retiredApp() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        try await fixture.application.test(.router) { client in
            #expect(try await client.fhir("/fhir/Appointment", token: token).status == .ok)
            try await fixture.require(RetireApp(id: FHIRFixture.app), by: fixture.ledger.admin)
            let before = fixture.ledger.node.size
            let answer = try await client.fhir("/fhir/Appointment", token: token)
            #expect(answer.status == .unauthorized)
            #expect(answer.json["resourceType"] as? String == "OperationOutcome")
            #expect(fixture.ledger.node.size == before)
        }
    }

    @Test("no token, an unknown token and a closed session's token get 401 with WWW-Authenticate")
    func unauthorized() async throws {
        let fixture = try await FHIRFixture.make()
        let (token, key) = try await fixture.token(for: fixture.patient, scopes: ["launch/patient", "patient/*.rs"], patient: fixture.patient.address)
        try await fixture.application.test(.router) { client in
            for candidate in [nil, "nonsense"] as [String?] {
                let answer = try await client.fhir("/fhir/Patient/\(fixture.patient.address)", token: candidate)
                #expect(answer.status == .unauthorized)
                #expect(answer.json["resourceType"] as? String == "OperationOutcome")
                #expect(answer.response.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            }
            #expect(try await client.fhir("/fhir/Patient/\(fixture.patient.address)", token: token).status == .ok)
            try await fixture.require(CloseSession(session: key), by: fixture.patient)
            let before = fixture.ledger.node.size
            #expect(try await client.fhir("/fhir/Patient/\(fixture.patient.address)", token: token).status == .unauthorized)
            #expect(fixture.ledger.node.size == before)
        }
    }

    @Test("a patient's token reads every resource type, each read one entry on the trail naming the app")
    func readsEveryType() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        let me = fixture.patient.address
        try await fixture.application.test(.router) { client in
            let before = fixture.ledger.node.size
            let patient = try await client.fhir("/fhir/Patient/\(me)", token: token)
            #expect(patient.status == .ok)
            #expect((patient.json["name"] as? [[String: Any]])?.first?["text"] as? String == "Pat Patient")
            #expect(patient.json["gender"] as? String == "female")

            let document = try await client.fhir("/fhir/DocumentReference/lab-1", token: token)
            #expect(document.status == .ok)
            let attachment = ((document.json["content"] as? [[String: Any]])?.first?["attachment"]) as? [String: Any]
            let sha1 = Base64Coding.standard(Array(Insecure.SHA1.hash(data: Array("Haemoglobin 14 g/dL".utf8))))
            #expect(attachment?["hash"] as? String == sha1)
            #expect(attachment?["url"] as? String == "http://localhost/fhir/Binary/lab-1-1")

            let prescription = try await client.fhir("/fhir/MedicationRequest/rx-1", token: token)
            #expect((prescription.json["medicationCodeableConcept"] as? [String: Any])?["text"] as? String == "Amoxicillin 500 mg")
            #expect(prescription.json["intent"] as? String == "order")
            let immunization = try await client.fhir("/fhir/Immunization/imm-1", token: token)
            #expect((immunization.json["vaccineCode"] as? [String: Any])?["text"] as? String == "MMR dose 1")
            #expect(try await client.fhir("/fhir/DocumentReference/rx-1", token: token).status == .notFound)

            let binary = try await client.fhir("/fhir/Binary/lab-1-1", token: token)
            #expect(binary.status == .ok)
            #expect(String(buffer: binary.response.body) == "Haemoglobin 14 g/dL")
            let binaryJSON = try await client.fhir("/fhir/Binary/lab-1-1", token: token, headers: [.accept: "application/fhir+json"])
            #expect(binaryJSON.json["data"] as? String == Base64Coding.standard(Array("Haemoglobin 14 g/dL".utf8)))

            #expect(try await client.fhir("/fhir/Appointment/ap-1", token: token).json["status"] as? String == "proposed")
            let consent = try await client.fhir("/fhir/Consent/g-1", token: token)
            #expect(consent.json["status"] as? String == "active")
            let doctor = try await client.fhir("/fhir/Practitioner/\(fixture.doctor.address)", token: token)
            #expect(doctor.status == .ok)
            #expect((doctor.json["name"] as? [[String: Any]])?.first?["text"] as? String == "Dr Grey")

            let provenance = try await client.fhir("/fhir/Provenance/lab-1-1", token: token)
            #expect(provenance.status == .ok)
            let signature = (provenance.json["signature"] as? [[String: Any]])?.first
            #expect(signature?["sigFormat"] as? String == "application/vnd.dsse+json")
            let record = try #require(await fixture.ledger.node.record("lab-1"))
            let entry = try #require(try await fixture.ledger.node.entry(at: record.current.entry))
            #expect(signature?["data"] as? String == Base64Coding.standard(entry.entry.entry))

            let audit = try await client.fhir("/fhir/AuditEvent/\(before)", token: token)
            #expect(audit.status == .ok)
            #expect((audit.json["type"] as? [String: Any])?["code"] as? String == "rest")
            #expect(((audit.json["agent"] as? [[String: Any]])?.last?["who"] as? [String: Any])?["display"] as? String == "Demo App")

            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.count == 12)
            #expect(events.allSatisfy { $0.app == FHIRFixture.app && $0.actor == me && $0.outcome == .allowed })
        }
    }

    @Test("searches return Bundles with totals, filters and paging links")
    func searches() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        try await fixture.application.test(.router) { client in
            let documents = try await client.fhir("/fhir/DocumentReference?_include=DocumentReference:subject", token: token)
            #expect(documents.status == .ok)
            #expect(documents.json["type"] as? String == "searchset")
            #expect(documents.json["total"] as? Int == 1)
            let included = (documents.json["entry"] as? [[String: Any]] ?? []).filter { ($0["search"] as? [String: Any])?["mode"] as? String == "include" }
            #expect(included.count == 1)
            #expect(try await client.fhir("/fhir/MedicationRequest?status=active", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/MedicationRequest?status=completed", token: token).json["total"] as? Int == 0)
            #expect(try await client.fhir("/fhir/Immunization?patient=Patient/\(fixture.patient.address)", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/DocumentReference?category=11502-2", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/DocumentReference?date=lt2000", token: token).json["total"] as? Int == 0)
            #expect(try await client.fhir("/fhir/Appointment", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Consent?status=active", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Patient", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Practitioner?name=grey", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Organization?type=hospital&name=general", token: token).json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Organization?type=pharmacy", token: token).json["total"] as? Int == 0)
            #expect(try await client.fhir("/fhir/Organization/h-1", token: token).json["name"] as? String == "General Hospital")
            #expect(try await client.fhir("/fhir/Provenance?target=DocumentReference/lab-1", token: token).json["total"] as? Int == 1)

            #expect(try await client.fhir("/fhir/AuditEvent?date=lt2000", token: token).json["total"] as? Int == 0)
            #expect(try await client.fhir("/fhir/AuditEvent?date=ge2000&date=lt2000", token: token).json["total"] as? Int == 0)
            let recent = try await client.fhir("/fhir/AuditEvent?date=ge2000&date=le2100", token: token)
            #expect((recent.json["total"] as? Int ?? 0) > 4)
            let first = try await client.fhir("/fhir/AuditEvent?_count=2", token: token)
            #expect(first.status == .ok)
            #expect(Self.entries(first.json).count == 2)
            let links = first.json["link"] as? [[String: Any]] ?? []
            let next = try #require(links.first { $0["relation"] as? String == "next" }?["url"] as? String)
            let second = try await client.fhir(Self.path(of: next), token: token)
            #expect(second.status == .ok)
            #expect(Self.entries(second.json).count == 2)
            #expect((second.json["link"] as? [[String: Any]] ?? []).contains { $0["relation"] as? String == "previous" })
        }
    }

    @Test("hostile search parameters are refused with 400 before anything is read")
    func hostileSearches() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        try await fixture.application.test(.router) { client in
            let before = fixture.ledger.node.size
            let long = String(repeating: "x", count: 10_000)
            for query in ["_count=100000000000000000000", "_count=0", "date=2024-13", "unknown=1", "status=a&status=b", "patient=\(long)", "_offset=-5"] {
                let answer = try await client.fhir("/fhir/DocumentReference?\(query)", token: token)
                #expect(answer.status == .badRequest, "\(query.prefix(40))")
                #expect(answer.json["resourceType"] as? String == "OperationOutcome")
            }
            let lenient = try await client.fhir("/fhir/DocumentReference?_sort=date", token: token, headers: [HTTPField.Name("Prefer")!: "handling=lenient"])
            #expect(lenient.status == .ok)
            #expect(lenient.json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/Nothing/1", token: token).status == .notFound)
            #expect(try await client.fhir("/fhir/Binary", token: token).status.code == 405)
            #expect(fixture.ledger.node.size == before + 1)
        }
    }

    @Test("an export whose reads the contracts refuse lists them in the manifest's error file, reads nothing and is recorded once as refused")
    func exportRefused() async throws {
        let fixture = try await FHIRFixture.make()
        let stranger = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await fixture.require(RegisterPatient(), by: stranger)
        let token = try await fixture.token(for: fixture.doctor, scopes: ["user/*.rs"]).token
        try await fixture.application.test(.router) { client in
            let before = fixture.ledger.node.size
            let kickOff = try await client.fhir(
                "/fhir/Patient/\(stranger.address)/$export?_type=Patient,DocumentReference", token: token,
                headers: [HTTPField.Name("Prefer")!: "respond-async"])
            let status = Self.path(of: try #require(kickOff.response.headers[.contentLocation]))
            var manifest: [String: Any] = [:]
            for _ in 0..<200 where manifest.isEmpty {
                let answer = try await client.fhir(status, token: token)
                if answer.status == .ok { manifest = answer.json } else { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect((manifest["output"] as? [Any])?.isEmpty == true)
            let errors = manifest["error"] as? [[String: Any]] ?? []
            #expect(errors.first?["count"] as? Int == 2)
            let url = try #require(errors.first?["url"] as? String)
            let file = try await client.fhir(Self.path(of: url), token: token)
            #expect(String(buffer: file.response.body).contains("OperationOutcome"))
            // The app's attempt is on the ledger as one denied entry naming the app.
            #expect(fixture.ledger.node.size == before + 1)
            let attempt = try #require(try await fixture.ledger.store.events(entries: before..<(before + 1)).first)
            #expect(attempt.outcome == .denied && attempt.app != nil)
        }
    }

    @Test("a token without the type's scope gets 403, and the contracts hold a doctor's user/ token to the grant")
    func scopes() async throws {
        let fixture = try await FHIRFixture.make()
        let appointmentsOnly = try await fixture.token(
            for: fixture.patient, scopes: ["launch/patient", "patient/Appointment.rs"], patient: fixture.patient.address).token
        let doctor = try await fixture.token(for: fixture.doctor, scopes: ["user/*.rs"]).token
        try await fixture.application.test(.router) { client in
            #expect(try await client.fhir("/fhir/DocumentReference/lab-1", token: appointmentsOnly).status == .forbidden)
            #expect(try await client.fhir("/fhir/DocumentReference", token: appointmentsOnly).status == .forbidden)
            #expect(try await client.fhir("/fhir/Appointment", token: appointmentsOnly).json["total"] as? Int == 1)

            let patient = "Patient/\(fixture.patient.address)"
            let granted = try await client.fhir("/fhir/DocumentReference?patient=\(patient)", token: doctor)
            #expect(granted.json["total"] as? Int == 1)
            #expect(try await client.fhir("/fhir/MedicationRequest?patient=\(patient)", token: doctor).json["total"] as? Int == 0)
            #expect(try await client.fhir("/fhir/DocumentReference/lab-1", token: doctor).status == .ok)
            #expect(try await client.fhir("/fhir/MedicationRequest/rx-1", token: doctor).status == .forbidden)
        }
    }

    @Test("a patient export runs in the background and serves NDJSON to the same session only")
    func export() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        let other = try await fixture.token(for: fixture.doctor, scopes: ["user/*.rs"]).token
        let me = fixture.patient.address
        try await fixture.application.test(.router) { client in
            #expect(try await client.fhir("/fhir/Patient/\(me)/$export", token: token).status == .badRequest)
            let before = fixture.ledger.node.size
            let kickOff = try await client.fhir("/fhir/Patient/\(me)/$export", token: token, headers: [HTTPField.Name("Prefer")!: "respond-async"])
            #expect(kickOff.status == .accepted)
            let status = Self.path(of: try #require(kickOff.response.headers[.contentLocation]))
            var manifest: [String: Any] = [:]
            for _ in 0..<200 {
                let answer = try await client.fhir(status, token: token)
                if answer.status == .ok {
                    manifest = answer.json
                    break
                }
                #expect(answer.status == .accepted)
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(manifest["requiresAccessToken"] as? Bool == true)
            let outputs = manifest["output"] as? [[String: Any]] ?? []
            #expect(Set(outputs.compactMap { $0["type"] as? String }) == ["Patient", "DocumentReference", "MedicationRequest", "Immunization", "Appointment", "Consent"])
            #expect(fixture.ledger.node.size == before + 1)
            let documents = try #require(outputs.first { $0["type"] as? String == "DocumentReference" }?["url"] as? String)
            let file = try await client.fhir(Self.path(of: documents), token: token)
            #expect(file.status == .ok)
            let lines = String(buffer: file.response.body).split(separator: "\n")
            #expect(lines.count == 1)
            #expect(lines.first?.contains("\"resourceType\":\"DocumentReference\"") == true)
            #expect(try await client.fhir(Self.path(of: documents), token: other).status == .forbidden)
            #expect(try await client.fhir(Self.path(of: documents), token: nil).status == .unauthorized)
            #expect((manifest["error"] as? [Any])?.isEmpty == true)
            let deleted = try await client.execute(uri: status, method: .delete, headers: [.authorization: "Bearer \(token)"])
            #expect(deleted.status == .accepted)
            #expect(try await client.fhir(status, token: token).status == .notFound)
        }
    }
}
