import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// With `MEDLEDGER_FHIR_SAMPLES=<dir>` set, writes one answer of every kind the API gives to that
/// folder, so the resources can be checked by an independent FHIR validator
/// (`fhir.resources` in the e2e environment). Without it the test only checks each answer is JSON.
@Suite("FHIR sample answers")
struct FHIRSampleDumpTests {
    @Test("every resource type's read and search answer is a FHIR resource")
    func samples() async throws {
        let fixture = try await FHIRFixture.make()
        let token = try await fixture.patientToken()
        let me = fixture.patient.address
        let folder = ProcessInfo.processInfo.environment["MEDLEDGER_FHIR_SAMPLES"].map { URL(fileURLWithPath: $0) }
        let paths = [
            "metadata", "Patient/\(me)", "Practitioner/\(fixture.doctor.address)", "Organization/h-1", "Appointment/ap-1",
            "DocumentReference/lab-1", "MedicationRequest/rx-1", "Immunization/imm-1", "Consent/g-1", "Provenance/lab-1-1", "AuditEvent/3",
            "Patient", "Practitioner", "Organization", "Appointment", "DocumentReference?_include=DocumentReference:subject", "MedicationRequest",
            "Immunization", "Consent", "AuditEvent?_count=5", "Provenance?target=DocumentReference/lab-1", "DocumentReference?unknown=1",
        ]
        try await fixture.application.test(.router) { client in
            for (position, path) in paths.enumerated() {
                let answer = try await client.fhir("/fhir/" + path, token: token)
                #expect(answer.json["resourceType"] is String, "\(path)")
                if let folder {
                    try Data(String(buffer: answer.response.body).utf8).write(to: folder.appendingPathComponent("sample-\(position).json"))
                }
            }
        }
    }
}
