import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// `document.view` through `POST /v1/queries`: the reader the contracts allow gets the decrypted
/// side document; anyone else gets 403 and no content; both attempts are on the ledger.
@Suite("side documents through the HTTP API")
struct SideDocumentRoutesTests {
    struct Answer: Decodable {
        struct Result: Decodable {
            let kind: String
            let document: ViewDocument.Kind?
            let content: String?
        }
        struct Failure: Decodable { let code: String }
        let result: Result?
        let error: Failure?
    }

    static let symptoms = #"{"symptoms":"Dry cough for two weeks"}"#
    static let reason = #"{"reason":"Quality review of laboratory results"}"#

    func read(_ kind: ViewDocument.Kind, _ id: String, by reader: EnvelopeSigner, ledger: TestLedger, client: some TestClientProtocol) async throws
        -> (HTTPResponse.Status, Answer)
    {
        let envelope = try reader.sign(ViewDocument(kind: kind, id: id), expires: ledger.clock.now + 60_000)
        return try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: envelope)) { response in
            (response.status, try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body)))
        }
    }

    @Test("the appointment's doctor reads the symptoms and the patient the request's reason; others get 403 and nothing")
    func readersAndOthers() async throws {
        let ledger = try await TestLedger.make()
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let otherDoctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let management = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(CreateOrganization(id: "h", name: "Hospital", kind: .hospital), by: ledger.admin)
        try await ledger.submit(
            CreateAccount(publicKey: management.payloadKey, role: .hospitalManagement, displayName: "M", organization: "h"), by: ledger.admin)
        for (index, someone) in [doctor, otherDoctor].enumerated() {
            let certificate = try await ledger.document("licence \(index)", owner: someone.address, uploader: someone.address)
            try await ledger.submit(RegisterDoctor(displayName: "Dr \(index)", speciality: "GP", licence: "L\(index)", certificate: certificate), by: someone)
            try await ledger.submit(VerifyDoctor(doctor: someone.address, decision: .approve, certificate: certificate), by: ledger.admin)
        }
        try await ledger.submit(RegisterPatient(), by: patient)
        let symptoms = try await ledger.document(Self.symptoms, owner: patient.address, uploader: patient.address)
        let booked = try await ledger.submit(
            BookAppointment(id: "appt-1", doctor: doctor.address, time: ledger.clock.now + 86_400_000, symptoms: symptoms), by: patient)
        #expect(booked.contract?.allowed == true)
        let reason = try await ledger.document(Self.reason, owner: patient.address, uploader: management.address)
        let requested = try await ledger.submit(
            RequestAccess(id: "req-1", patient: patient.address, scope: .category(.reports), reason: reason), by: management)
        #expect(requested.contract?.allowed == true)

        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let (status, answer) = try await read(.symptoms, "appt-1", by: doctor, ledger: ledger, client: client)
            #expect(status == .ok)
            #expect(answer.result?.kind == "document")
            #expect(answer.result?.document == .symptoms)
            #expect(answer.result?.content.flatMap { Base64Coding.decodeStandard($0) } == Array(Self.symptoms.utf8))

            let (reasonStatus, reasonAnswer) = try await read(.reason, "req-1", by: patient, ledger: ledger, client: client)
            #expect(reasonStatus == .ok)
            #expect(reasonAnswer.result?.content.flatMap { Base64Coding.decodeStandard($0) } == Array(Self.reason.utf8))

            for (kind, id, reader) in [(ViewDocument.Kind.symptoms, "appt-1", otherDoctor), (.reason, "req-1", doctor), (.symptoms, "appt-1", management)] {
                let (refused, refusal) = try await read(kind, id, by: reader, ledger: ledger, client: client)
                #expect(refused == .forbidden, "\(kind) by another account")
                #expect(refusal.error?.code == "denied")
                #expect(refusal.result == nil)
            }
        }
        // Every attempt, allowed or refused, is an event about the patient.
        let events = try await ledger.store.events(AuditQuery(patient: patient.address, action: ViewDocument.transactionType))
        #expect(events.count == 5)
        #expect(events.filter { $0.outcome == .allowed }.count == 2)
    }
}
