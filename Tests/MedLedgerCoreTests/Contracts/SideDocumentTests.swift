import Foundation
import Testing

@testable import MedLedgerCore

/// `document.view`: the symptoms, reasons and justifications that travel with appointments, access
/// requests and break-glass accesses are read only by the people each is written for, and every
/// attempt is an audit event about the patient.
@Suite("side documents: each kind has its own readers, and every read is audited")
struct SideDocumentTests {
    static let symptoms = cid("cough for two weeks")
    static let reason = cid("quality review of lab results")
    static let justification = cid("unconscious in the emergency room")

    /// The standard cast with one of each side document: an appointment with symptoms, hospital
    /// management's access request with a reason, the doctor's break-glass access with a
    /// justification, and a grant to the auditor.
    func makeWorld() throws -> ContractWorld {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        try world.require(
            BookAppointment(id: "appt-s", doctor: world.address(.doctor), time: world.time + 86_400_000, symptoms: Self.symptoms), by: .patient)
        try world.require(BookAppointment(id: "appt-bare", doctor: world.address(.doctor), time: world.time + 90_000_000), by: .patient)
        try world.require(
            RequestAccess(id: "req-m", patient: patient, scope: .category(.reports), reason: Self.reason), by: .management)
        try world.require(OpenBreakGlass(id: "bg-1", patient: patient, justification: Self.justification), by: .doctor)
        try world.require(CreateGrant(id: "g-auditor", grantee: world.address(.auditor), scope: .category(.prescriptions)), by: .patient)
        return world
    }

    struct Case: Sendable, CustomTestStringConvertible {
        let kind: ViewDocument.Kind
        let id: String
        let content: String
        let author: Persona
        let allowed: [Persona]
        let denied: [Persona]
        var testDescription: String { kind.rawValue }
    }

    static let cases: [Case] = [
        Case(
            kind: .symptoms, id: "appt-s", content: symptoms, author: .patient, allowed: [.patient, .doctor],
            denied: [.secondPatient, .auditor, .reviewer, .management, .pharmacist, .systemAdmin, .hospitalAdmin, .suspendedDoctor]),
        Case(
            kind: .reason, id: "req-m", content: reason, author: .management, allowed: [.patient, .management],
            denied: [.secondPatient, .doctor, .auditor, .pharmacist, .systemAdmin, .hospitalAdmin]),
        Case(
            kind: .justification, id: "bg-1", content: justification, author: .doctor, allowed: [.patient, .doctor, .auditor, .reviewer],
            denied: [.secondPatient, .management, .pharmacist, .systemAdmin, .hospitalAdmin, .suspendedDoctor]),
    ]

    @Test("allowed readers get the document's CID, sealed for the patient and written by its author", arguments: cases)
    func allowedReaders(_ item: Case) throws {
        var world = try makeWorld()
        for reader in item.allowed {
            let outcome = try world.submit(ViewDocument(kind: item.kind, id: item.id), by: reader)
            #expect(outcome.allowed, "\(reader): \(outcome.event.message)")
            #expect(
                outcome.answer == .document(kind: item.kind, content: item.content, owner: world.address(.patient), author: world.address(item.author)),
                "\(reader)")
        }
    }

    @Test("everyone else is refused, and the refusal names the patient", arguments: cases)
    func deniedReaders(_ item: Case) throws {
        var world = try makeWorld()
        for reader in item.denied {
            let outcome = try world.submit(ViewDocument(kind: item.kind, id: item.id), by: reader)
            #expect(!outcome.allowed, "\(reader) was allowed")
            #expect(outcome.answer == nil)
            #expect(outcome.event.patient == world.address(.patient), "\(reader): \(outcome.event.message)")
            #expect(outcome.event.action == ViewDocument.transactionType)
        }
    }

    @Test("every read is an audit event about the patient, naming the document")
    func readsAreAudited() throws {
        var world = try makeWorld()
        let outcome = try world.require(ViewDocument(kind: .symptoms, id: "appt-s"), by: .doctor)
        #expect(outcome.event.status == .viewed)
        #expect(outcome.event.patient == world.address(.patient))
        #expect(outcome.event.doctor == world.address(.doctor))
        #expect(outcome.event.message == "View symptoms of appointment appt-s")
        let review = try world.require(ViewDocument(kind: .justification, id: "bg-1"), by: .auditor)
        #expect(review.event.auditor == world.address(.auditor))
        #expect(review.event.doctor == world.address(.doctor))
        #expect(review.event.message == "View justification of break-glass bg-1")
        #expect(!review.event.breakGlass)
    }

    @Test("the doctor no longer reads the symptoms of an appointment the patient deleted; the patient still does")
    func deletedAppointment() throws {
        var world = try makeWorld()
        try world.require(CancelAppointment(appointment: "appt-s"), by: .patient)
        #expect(try world.submit(ViewDocument(kind: .symptoms, id: "appt-s"), by: .doctor).allowed)
        try world.require(DeleteAppointment(appointment: "appt-s"), by: .patient)
        let doctor = try world.submit(ViewDocument(kind: .symptoms, id: "appt-s"), by: .doctor)
        #expect(!doctor.allowed)
        #expect(doctor.event.message.contains("deleted"))
        #expect(try world.submit(ViewDocument(kind: .symptoms, id: "appt-s"), by: .patient).allowed)
    }

    @Test("an auditor whose grant was revoked, or who never had one, does not read a justification")
    func auditorNeedsGrant() throws {
        var world = try makeWorld()
        try world.require(RevokeGrant(grant: "g-auditor"), by: .patient)
        #expect(!(try world.submit(ViewDocument(kind: .justification, id: "bg-1"), by: .auditor)).allowed)
        var fresh = try makeWorld()
        try fresh.require(RevokeGrant(grant: ContractWorld.reviewerGrant), by: .patient)
        #expect(!(try fresh.submit(ViewDocument(kind: .justification, id: "bg-1"), by: .reviewer)).allowed)
    }

    @Test("a sign-off note: the patient, the auditor who wrote it and auditors whose grant covers the record")
    func signOffNote() throws {
        var world = try makeWorld()
        let note = cid("trail reconciled with the pharmacy's copy")
        try world.require(SignOffTrail(record: ContractWorld.prescription, decision: .flag, note: note), by: .reviewer)
        for reader in [Persona.patient, .reviewer, .auditor] {
            let outcome = try world.submit(ViewDocument(kind: .note, id: ContractWorld.prescription), by: reader)
            #expect(outcome.allowed, "\(reader): \(outcome.event.message)")
            #expect(outcome.answer == .document(kind: .note, content: note, owner: world.address(.patient), author: world.address(.reviewer)))
            #expect(outcome.event.record == ContractWorld.prescription)
        }
        for reader in [Persona.doctor, .management, .pharmacist, .secondPatient, .systemAdmin] {
            let outcome = try world.submit(ViewDocument(kind: .note, id: ContractWorld.prescription), by: reader)
            #expect(!outcome.allowed, "\(reader)")
            #expect(outcome.event.patient == world.address(.patient))
        }
        try world.require(RevokeGrant(grant: "g-auditor"), by: .patient)
        #expect(!(try world.submit(ViewDocument(kind: .note, id: ContractWorld.prescription), by: .auditor)).allowed)
    }

    @Test("nothing of an erased patient is readable, by anyone", arguments: cases)
    func erasedPatient(_ item: Case) throws {
        var world = try makeWorld()
        try world.require(RequestErasure(patient: world.address(.patient)), by: .patient)
        try world.require(ConfirmErasure(patient: world.address(.patient)), by: .systemAdmin)
        for reader in item.allowed {
            let outcome = try world.submit(ViewDocument(kind: item.kind, id: item.id), by: reader)
            #expect(!outcome.allowed, "\(reader)")
            #expect(outcome.event.message.contains("erased"), "\(reader): \(outcome.event.message)")
            #expect(outcome.event.patient == world.address(.patient))
        }
    }

    @Test("a missing object or an appointment without symptoms is refused, not answered")
    func missing() throws {
        var world = try makeWorld()
        #expect(!(try world.submit(ViewDocument(kind: .symptoms, id: "appt-bare"), by: .doctor)).allowed)
        #expect(!(try world.submit(ViewDocument(kind: .symptoms, id: "appt-none"), by: .patient)).allowed)
        #expect(!(try world.submit(ViewDocument(kind: .reason, id: "req-none"), by: .patient)).allowed)
        #expect(!(try world.submit(ViewDocument(kind: .justification, id: "bg-none"), by: .patient)).allowed)
    }

    @Test("the body is checked: the id must be an identifier and the kind one of those listed")
    func bodyValidation() throws {
        let world = try makeWorld()
        #expect(throws: (any Error).self) { try world.transaction(ViewDocument(kind: .reason, id: "not an id!"), by: .patient) }
        #expect(throws: (any Error).self) { try JSONDecoder().decode(ViewDocument.self, from: Data(#"{"kind":"diagnosis","id":"x"}"#.utf8)) }
    }
}
