import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// `page.view`: a page's reads in one ledger entry, each decided by its own rule, with one audit
/// event naming every patient and record the reads touched and which reads were refused.
@Suite("page view: one entry per page, each read decided by its own rule")
struct PageViewTests {
    /// The standard cast, with the verified doctor granted everything by both patients.
    func makeWorld() throws -> ContractWorld {
        var world = try ContractWorld.standard()
        try world.require(CreateGrant(id: "g-doctor-1", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(CreateGrant(id: "g-doctor-2", grantee: world.address(.doctor), scope: .all), by: .secondPatient)
        return world
    }

    @Test("a patient's page of lists and a record is one allowed event naming the patient and the record")
    func patientPage() throws {
        var world = try makeWorld()
        let patient = world.address(.patient)
        let before = world.events.count
        let outcome = try world.submit(
            PageView([ListRecords(patient: patient), ViewRecord(record: ContractWorld.prescription), ListGrants()]), by: .patient)
        #expect(world.events.count == before + 1)
        #expect(outcome.allowed)
        #expect(outcome.event.action == "page.view")
        #expect(outcome.event.status == .viewed)
        #expect(outcome.event.patient == patient)
        #expect(outcome.event.otherPatients.isEmpty)
        #expect(outcome.event.record == ContractWorld.prescription)
        #expect(outcome.event.message.contains("list records of patient \(patient.rawValue)"))
        #expect(outcome.event.message.contains("view record \(ContractWorld.prescription) v1"))
        guard case .page(let answers)? = outcome.answer else {
            Issue.record("no page answer")
            return
        }
        #expect(answers.count == 3)
        #expect(answers.allSatisfy { $0.answer != nil })
    }

    @Test("each read answers exactly what it answers on its own")
    func sameAnswersAsAlone() throws {
        let world = try makeWorld()
        let patient = world.address(.patient)
        let reads: [any ContractAction] = [ListRecords(patient: patient), ViewRecord(record: ContractWorld.prescription), ListGrants()]
        var together = world
        let page = try together.submit(PageView(reads), by: .doctor)
        guard case .page(let answers)? = page.answer else {
            Issue.record("no page answer")
            return
        }
        for (read, answer) in zip(reads, answers) {
            var alone = world
            let single = try alone.submit(read, by: .doctor)
            #expect(answer.answer == single.answer, "\(type(of: read).transactionType)")
        }
    }

    @Test("a names read of two patients names both on the event, so each one's activity finds it")
    func namesOfSeveralPatients() throws {
        var world = try makeWorld()
        let first = world.address(.patient)
        let second = world.address(.secondPatient)
        let outcome = try world.submit(PageView([ListGrants(), ViewNames(accounts: [first, second])]), by: .doctor)
        #expect(outcome.allowed)
        #expect(outcome.event.patients == [first, second])
        #expect(outcome.event.doctor == world.address(.doctor))
        #expect(AuditQuery(patient: first).matches(outcome.event))
        #expect(AuditQuery(patient: second).matches(outcome.event))
        #expect(!AuditQuery(patient: world.address(.doctor)).matches(outcome.event))
    }

    @Test("a refused read is answered with its rule's reason and named in the event; the others are answered")
    func refusedPart() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        var alone = world
        let single = try alone.submit(ListRecords(patient: patient), by: .doctor)
        #expect(!single.allowed)
        let outcome = try world.submit(PageView([ListOrganizations(), ListRecords(patient: patient)]), by: .doctor)
        #expect(outcome.allowed)
        #expect(outcome.event.patient == patient)
        #expect(outcome.event.message.contains("refused: list records of patient \(patient.rawValue) — "))
        guard case .page(let answers)? = outcome.answer, answers.count == 2 else {
            Issue.record("no page answer")
            return
        }
        #expect(answers[0].answer != nil)
        #expect(answers[1] == .refused(DenialTextProbe.reason(of: single.event.message)))
    }

    @Test("a page view whose every read is refused is denied, with the read's own reason, and changes nothing")
    func everyPartRefused() throws {
        var world = try ContractWorld.standard()
        let patient = world.address(.patient)
        let state = world.state
        var alone = world
        let single = try alone.submit(ListRecords(patient: patient), by: .doctor)
        let outcome = try world.submit(PageView([ListRecords(patient: patient)]), by: .doctor)
        #expect(!outcome.allowed)
        #expect(outcome.event.patient == patient)
        #expect(DenialTextProbe.reason(of: outcome.event.message) == DenialTextProbe.reason(of: single.event.message))
        #expect(world.state == state)
        let two = try world.submit(PageView([ListRecords(patient: patient), ViewRecord(record: ContractWorld.prescription)]), by: .doctor)
        #expect(!two.allowed)
        #expect(two.event.message.contains("every read of the page was refused"))
    }

    @Test("each read passes its own role gate: an administrator's page answers what administrators may read")
    func roleGatePerPart() throws {
        var world = try ContractWorld.standard()
        var alone = world
        let single = try alone.submit(ListRecords(patient: world.address(.patient)), by: .systemAdmin)
        #expect(!single.allowed)
        let outcome = try world.submit(
            PageView([ListOrganizations(), ListRecords(patient: world.address(.patient))]), by: .systemAdmin)
        #expect(outcome.allowed)
        guard case .page(let answers)? = outcome.answer, answers.count == 2 else {
            Issue.record("no page answer")
            return
        }
        #expect(answers[0].answer != nil)
        #expect(answers[1] == .refused(DenialTextProbe.reason(of: single.event.message)))
    }

    @Test("reads are decided in order on the state the earlier ones left: a one-time grant serves one read")
    func oneTimeGrantServesOneRead() throws {
        var world = try ContractWorld.standard()
        try world.require(
            CreateGrant(id: "g-once", grantee: world.address(.doctor), scope: .record(ContractWorld.prescription), oneTime: true),
            by: .patient)
        let outcome = try world.submit(
            PageView([ViewRecord(record: ContractWorld.prescription), ViewRecord(record: ContractWorld.prescription)]), by: .doctor)
        #expect(outcome.allowed)
        guard case .page(let answers)? = outcome.answer, answers.count == 2 else {
            Issue.record("no page answer")
            return
        }
        #expect(answers[0].answer != nil)
        #expect(answers[1].answer == nil)
    }

    @Test("the body holds 1 to 16 reads, each valid by its own read's checks")
    func limits() throws {
        let world = try makeWorld()
        let patient = world.address(.patient)
        #expect(throws: EnvelopeError.self) { try world.transaction(PageView(reads: []), by: .patient) }
        let many = (0...PageView.readLimit).map { _ in ListGrants() as any ContractAction }
        #expect(throws: EnvelopeError.self) { try world.transaction(PageView(many), by: .patient) }
        #expect(throws: Never.self) { try world.transaction(PageView(Array(many.dropFirst())), by: .patient) }
        do {
            _ = try world.transaction(PageView([ListRecords(patient: patient), ViewRecord(record: "not an id!")]), by: .patient)
            Issue.record("an invalid read was accepted")
        } catch let error as EnvelopeError {
            #expect("\(error)".contains("reads[1] (record.view)"))
        }
    }

    @Test("a read type that is unknown, a write, a print, copy or download, or another page view cannot be part of a page view", arguments: [
        #"{"reads":[{"type":"record.teleport","body":{}}]}"#,
        #"{"reads":[{"type":"record.print","body":{"record":"r-1"}}]}"#,
        #"{"reads":[{"type":"record.copy","body":{"record":"r-1"}}]}"#,
        #"{"reads":[{"type":"record.download","body":{"record":"r-1"}}]}"#,
        #"{"reads":[{"type":"grant.revoke","body":{"grant":"g-1"}}]}"#,
        #"{"reads":[{"type":"page.view","body":{"reads":[{"type":"grants.list","body":{}}]}}]}"#,
        #"{"reads":[{"type":"grants.list","body":{},"extra":1}]}"#,
        #"{"reads":[{"type":"grants.list","body":{"hidden":1}}]}"#,
    ])
    func refusedPartTypes(body: String) throws {
        let world = try makeWorld()
        let signer = world.signer(.patient)
        let payload = """
            {"body":\(body),"expires":\(world.time + 60_000),"nonce":"\(EnvelopeSigner.randomNonce())",\
            "origin":"\(signer.origin)","signer":"\(signer.payloadKey)","type":"page.view"}
            """
        let envelope = try signer.signPayloadBytes(Array(payload.utf8))
        #expect(throws: EnvelopeError.self) { try ContractWorld.verifier.parse(envelope) }
    }

    @Test("a session key signs a page view for its account, like any read")
    func sessionPageView() throws {
        var world = try makeWorld()
        let sessionKey = P256.Signing.PrivateKey()
        let session = EnvelopeSigner(key: sessionKey, origin: world.signer(.patient).origin)
        try world.require(OpenSession(sessionKey: session.payloadKey, expires: world.time + 3_600_000), by: .patient)
        let transaction = try ContractWorld.verifier.parse(session.sign(PageView([ListGrants()]), expires: world.time + 60_000))
        let outcome = try world.apply(transaction)
        #expect(outcome.allowed)
        #expect(outcome.event.actor == world.address(.patient))
    }
}

/// The reason part of a ledger denial message, as pages read it (after the last em dash).
enum DenialTextProbe {
    static func reason(of message: String) -> String {
        guard let dash = message.range(of: " — ", options: .backwards) else { return message }
        return String(message[dash.upperBound...])
    }
}
