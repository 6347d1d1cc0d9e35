import Crypto
import Foundation
import Testing

@testable import MedLedgerCore

/// The key that signs every body in these tests, and another account's key for bodies that name one.
private let signer = EnvelopeSigner(key: P256.Signing.PrivateKey())
private let other = EnvelopeSigner(key: P256.Signing.PrivateKey())

/// `b` followed by `count` characters of the base32 alphabet.
private func cid(length count: Int) -> String { "b" + String(repeating: "a", count: count) }

/// A body that fails its stateless checks, next to the closest body that passes them.
struct InvalidBodyCase: Sendable, CustomTestStringConvertible {
    let name: String
    let valid: any ContractAction
    let invalid: any ContractAction
    /// Words the refusal must contain (usually the field's name).
    let reason: String
    /// A value the refusal must not repeat.
    let secret: String?

    init(_ name: String, valid: any ContractAction, invalid: any ContractAction, reason: String, secret: String? = nil) {
        self.name = name
        self.valid = valid
        self.invalid = invalid
        self.reason = reason
        self.secret = secret
    }

    var testDescription: String { name }

    static let all: [InvalidBodyCase] = [
        // Identifiers
        InvalidBodyCase(
            "an organization id with a space", valid: CreateOrganization(id: "st-marys", name: "St Mary's", kind: .hospital),
            invalid: CreateOrganization(id: "st marys", name: "St Mary's", kind: .hospital), reason: "id", secret: "st marys"),
        InvalidBodyCase(
            "an empty record id", valid: DeleteRecord(record: "r"), invalid: DeleteRecord(record: ""), reason: "record"),
        InvalidBodyCase(
            "a record id of 65 characters", valid: ViewRecord(record: String(repeating: "r", count: 64)),
            invalid: ViewRecord(record: String(repeating: "r", count: 65)), reason: "record"),
        InvalidBodyCase(
            "a record id with a slash", valid: AddDocument(id: "scan-2024", category: .reports, content: cid("scan")),
            invalid: AddDocument(id: "../scan", category: .reports, content: cid("scan")), reason: "id"),
        InvalidBodyCase(
            "a grant scoped to a malformed record id",
            valid: CreateGrant(id: "g-1", grantee: other.address, scope: .record("rx-1")),
            invalid: CreateGrant(id: "g-1", grantee: other.address, scope: .record("rx 1")), reason: "scope.record"),
        InvalidBodyCase(
            "an access decision naming a malformed grant id", valid: ApproveAccessRequest(request: "r-1", grant: "g-1"),
            invalid: ApproveAccessRequest(request: "r-1", grant: "g#1"), reason: "grant"),
        InvalidBodyCase(
            "an administrator for a malformed organization id",
            valid: AddAdmin(publicKey: other.payloadKey, displayName: "Admin", organization: "st-marys"),
            invalid: AddAdmin(publicKey: other.payloadKey, displayName: "Admin", organization: "st.marys"), reason: "organization"),
        // Content ids
        InvalidBodyCase(
            "a CIDv0 (base58) as content", valid: CreateRecord(id: "n-1", patient: other.address, category: .visitNotes, content: cid("note")),
            invalid: CreateRecord(id: "n-1", patient: other.address, category: .visitNotes, content: "QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG"),
            reason: "content", secret: "QmYwAPJzv5"),
        InvalidBodyCase(
            "upper-case base32 content", valid: UpdateRecord(record: "n-1", content: cid("note"), baseVersion: 1),
            invalid: UpdateRecord(record: "n-1", content: cid("note").uppercased(), baseVersion: 1), reason: "content"),
        InvalidBodyCase(
            "a digit outside base32 in a CID", valid: AddDocument(id: "d-1", category: .reports, content: "bafkreiabcdefg234567"),
            invalid: AddDocument(id: "d-1", category: .reports, content: "bafkreiabcdefg234561"), reason: "content"),
        InvalidBodyCase(
            "a CID shorter than 10 characters", valid: AddDocument(id: "d-1", category: .reports, content: cid(length: 9)),
            invalid: AddDocument(id: "d-1", category: .reports, content: cid(length: 8)), reason: "content"),
        InvalidBodyCase(
            "a CID longer than 128 characters", valid: AddDocument(id: "d-1", category: .reports, content: cid(length: 127)),
            invalid: AddDocument(id: "d-1", category: .reports, content: cid(length: 128)), reason: "content"),
        InvalidBodyCase(
            "a plain-text break-glass justification",
            valid: OpenBreakGlass(id: "bg-1", patient: other.address, justification: cid("why")),
            invalid: OpenBreakGlass(id: "bg-1", patient: other.address, justification: "patient unconscious, no id"),
            reason: "justification", secret: "unconscious"),
        InvalidBodyCase(
            "a plain-text access reason",
            valid: RequestAccess(id: "r-1", patient: other.address, scope: .all, reason: cid("reason")),
            invalid: RequestAccess(id: "r-1", patient: other.address, scope: .all, reason: "needs refill"), reason: "reason", secret: "refill"),
        InvalidBodyCase(
            "a plain-text doctor certificate",
            valid: RegisterDoctor(displayName: "Dr A", speciality: "GP", licence: "L-1", certificate: cid("cert")),
            invalid: RegisterDoctor(displayName: "Dr A", speciality: "GP", licence: "L-1", certificate: "certificate.pdf"), reason: "certificate"),
        InvalidBodyCase(
            "a tally result that disagrees with its discrepancy count",
            valid: RecordTally(record: "n-1", auditor: other.address, result: .discrepancy, checkpointSize: 3, discrepancies: 2),
            invalid: RecordTally(record: "n-1", auditor: other.address, result: .tallies, checkpointSize: 3, discrepancies: 2),
            reason: "no discrepancies"),
        InvalidBodyCase(
            "a tally against no checkpoint",
            valid: RecordTally(record: "n-1", auditor: other.address, result: .tallies, checkpointSize: 1, discrepancies: 0),
            invalid: RecordTally(record: "n-1", auditor: other.address, result: .tallies, checkpointSize: 0, discrepancies: 0),
            reason: "checkpointSize"),
        InvalidBodyCase(
            "a plain-text symptoms field", valid: BookAppointment(id: "a-1", doctor: other.address, time: 1, symptoms: cid("s")),
            invalid: BookAppointment(id: "a-1", doctor: other.address, time: 1, symptoms: "fever"), reason: "symptoms", secret: "fever"),
        InvalidBodyCase(
            "a plain-text erasure reason", valid: RequestErasure(patient: signer.address, reason: cid("reason")),
            invalid: RequestErasure(patient: signer.address, reason: "moving abroad, diagnosis wrong"), reason: "reason", secret: "diagnosis"),
        InvalidBodyCase(
            "a patient profile that is not a CID", valid: RegisterPatient(profile: cid("p")), invalid: RegisterPatient(profile: "Jane Doe, 1980-01-01"),
            reason: "profile", secret: "Jane"),
        // Accounts
        InvalidBodyCase(
            "a patient account.create with a name", valid: CreateAccount(publicKey: other.payloadKey, role: .patient, profile: cid("p")),
            invalid: CreateAccount(publicKey: other.payloadKey, role: .patient, displayName: "Jane Doe", profile: cid("p")),
            reason: "patient account carries only a profile", secret: "Jane"),
        InvalidBodyCase(
            "a patient account.create in an organization", valid: CreateAccount(publicKey: other.payloadKey, role: .patient),
            invalid: CreateAccount(publicKey: other.payloadKey, role: .patient, organization: "st-marys"), reason: "patient account carries only a profile"),
        InvalidBodyCase(
            "an administrator made with account.create", valid: AddAdmin(publicKey: other.payloadKey, displayName: "Admin"),
            invalid: CreateAccount(publicKey: other.payloadKey, role: .admin, displayName: "Admin"), reason: "admin.add"),
        InvalidBodyCase(
            "a doctor account without a name", valid: CreateAccount(publicKey: other.payloadKey, role: .doctor, displayName: "Dr B"),
            invalid: CreateAccount(publicKey: other.payloadKey, role: .doctor), reason: "displayName"),
        InvalidBodyCase(
            "a licence on a pharmacy account",
            valid: CreateAccount(publicKey: other.payloadKey, role: .pharmacy, displayName: "Pharmacy", organization: "p-1"),
            invalid: CreateAccount(publicKey: other.payloadKey, role: .pharmacy, displayName: "Pharmacy", organization: "p-1", licence: "L-1"),
            reason: "doctors only"),
        InvalidBodyCase(
            "an account for a key that is not a P-256 point",
            valid: CreateAccount(publicKey: other.payloadKey, role: .auditor, displayName: "Auditor"),
            // 0x04 followed by zeros: the right length and prefix, but (0, 0) is not on the curve.
            invalid: CreateAccount(publicKey: "B" + String(repeating: "A", count: 86), role: .auditor, displayName: "Auditor"),
            reason: "publicKey"),
        InvalidBodyCase(
            "a licence number of 65 characters",
            valid: RegisterDoctor(displayName: "Dr A", speciality: "GP", licence: String(repeating: "1", count: 64), certificate: cid("c")),
            invalid: RegisterDoctor(displayName: "Dr A", speciality: "GP", licence: String(repeating: "1", count: 65), certificate: cid("c")),
            reason: "licence"),
        InvalidBodyCase(
            "a display name of blanks", valid: UpdateProfile(profile: cid("p"), displayName: "Dr A"),
            invalid: UpdateProfile(profile: cid("p"), displayName: "   "), reason: "displayName"),
        InvalidBodyCase(
            "a display name with a control character", valid: CreateOrganization(id: "o-1", name: "North Clinic", kind: .hospital),
            invalid: CreateOrganization(id: "o-1", name: "North\u{7}Clinic", kind: .hospital), reason: "name"),
        // Grants
        InvalidBodyCase(
            "a grant to oneself", valid: CreateGrant(id: "g-1", grantee: other.address, scope: .all),
            invalid: CreateGrant(id: "g-1", grantee: signer.address, scope: .all), reason: "themselves"),
        // System parameters (each valid twin sits on the boundary)
        InvalidBodyCase(
            "a maximum grant under a minute",
            valid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 60, maxGrantSeconds: 60, breakGlassSeconds: 300)),
            invalid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 59, maxGrantSeconds: 59, breakGlassSeconds: 300)),
            reason: "maxGrantSeconds"),
        InvalidBodyCase(
            "a maximum grant over ten years",
            valid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 60, maxGrantSeconds: 10 * 366 * 86_400, breakGlassSeconds: 300)),
            invalid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 60, maxGrantSeconds: 10 * 366 * 86_400 + 1, breakGlassSeconds: 300)),
            reason: "maxGrantSeconds"),
        InvalidBodyCase(
            "a default grant longer than the maximum",
            valid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 86_400, maxGrantSeconds: 86_400)),
            invalid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 86_401, maxGrantSeconds: 86_400)),
            reason: "defaultGrantSeconds"),
        InvalidBodyCase(
            "a default grant under a minute",
            valid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 60)),
            invalid: SetParameters(parameters: SystemParameters(defaultGrantSeconds: 59)), reason: "defaultGrantSeconds"),
        InvalidBodyCase(
            "break-glass shorter than five minutes",
            valid: SetParameters(parameters: SystemParameters(breakGlassSeconds: 300)),
            invalid: SetParameters(parameters: SystemParameters(breakGlassSeconds: 299)), reason: "breakGlassSeconds"),
        InvalidBodyCase(
            "break-glass longer than 72 hours",
            valid: SetParameters(parameters: SystemParameters(breakGlassSeconds: 72 * 3_600)),
            invalid: SetParameters(parameters: SystemParameters(breakGlassSeconds: 72 * 3_600 + 1)), reason: "breakGlassSeconds"),
        // Versions, times and queries
        InvalidBodyCase(
            "reading version 0", valid: PrintRecord(record: "n-1", version: 1), invalid: PrintRecord(record: "n-1", version: 0), reason: "version"),
        InvalidBodyCase(
            "changing from base version 0", valid: UpdateRecord(record: "n-1", content: cid("c"), baseVersion: 1),
            invalid: UpdateRecord(record: "n-1", content: cid("c"), baseVersion: 0), reason: "baseVersion"),
        InvalidBodyCase(
            "an appointment at time 0", valid: BookAppointment(id: "a-1", doctor: other.address, time: 1),
            invalid: BookAppointment(id: "a-1", doctor: other.address, time: 0), reason: "time"),
        InvalidBodyCase(
            "an audit query for no events", valid: QueryEvents(query: AuditQuery(limit: 1)), invalid: QueryEvents(query: AuditQuery(limit: 0)),
            reason: "query.limit"),
        InvalidBodyCase(
            "an audit query over the page limit", valid: QueryEvents(query: AuditQuery(limit: AuditQuery.maxLimit)),
            invalid: QueryEvents(query: AuditQuery(limit: AuditQuery.maxLimit + 1)), reason: "query.limit"),
        InvalidBodyCase(
            "an audit query whose window is empty", valid: QueryEvents(query: AuditQuery(from: 10, to: 11)),
            invalid: QueryEvents(query: AuditQuery(from: 11, to: 11)), reason: "query.from"),
        InvalidBodyCase(
            "an audit query for a malformed record id", valid: QueryEvents(query: AuditQuery(record: "n-1")),
            invalid: QueryEvents(query: AuditQuery(record: "n 1")), reason: "query.record"),
    ]
}

/// Signs and parses `body` as the node does on submission.
private func parse(_ body: some TransactionBody) throws -> VerifiedTransaction {
    try ContractWorld.verifier.parse(signer.sign(body, expires: ContractWorld.startTime))
}

@Suite("contract body validation")
struct BodyValidationTests {
    @Test("a body failing its stateless checks is refused as invalid_body, naming the field without echoing it", arguments: InvalidBodyCase.all)
    func invalidBodyRefused(_ example: InvalidBodyCase) throws {
        // The closest valid body passes, so the refusal is for the one thing changed.
        let parsed = try parse(example.valid)
        #expect(parsed.type == type(of: example.valid).transactionType)

        let error = envelopeError { try parse(example.invalid) }
        guard case .invalidBody(let reason)? = error else {
            Issue.record("expected invalid_body, got \(String(describing: error))")
            return
        }
        #expect(error?.code == "invalid_body")
        #expect(reason.contains(example.reason), "\(reason)")
        if let secret = example.secret { #expect(!reason.contains(secret), "\(reason)") }
    }

    @Test(
        "a body whose JSON does not decode is refused as invalid_body",
        arguments: [
            ("grant.create", #"{"id":"g-1","grantee":"GRANTEE","scope":{"kind":"everything"},"oneTime":false}"#, "scope.kind"),
            ("grant.create", #"{"id":"g-1","grantee":"GRANTEE","scope":{"kind":"record"},"oneTime":false}"#, "record"),
            ("grant.create", #"{"id":"g-1","grantee":"not-an-address","scope":{"kind":"all"},"oneTime":false}"#, "grantee"),
            ("record.create", #"{"id":"n-1","patient":"GRANTEE","category":"xray","content":"bafkreiaaaaaaaaaa"}"#, "category"),
            ("account.create", #"{"publicKey":"KEY","role":"superuser","displayName":"X"}"#, "role"),
            ("audit.tally", #"{"record":"n-1","auditor":"GRANTEE","result":"maybe","checkpointSize":1,"discrepancies":1}"#, "result"),
            ("record.view", #"{}"#, "record"),
        ])
    func undecodableBodyRefused(type: String, body: String, field: String) throws {
        let json = body.replacingOccurrences(of: "GRANTEE", with: other.address.rawValue).replacingOccurrences(of: "KEY", with: other.payloadKey)
        let payload = handPayload(type: type, signer: signer.payloadKey, body: json)
        let error = envelopeError { try ContractWorld.verifier.parse(signer.signPayloadBytes(payload)) }
        guard case .invalidBody(let reason)? = error else {
            Issue.record("expected invalid_body, got \(String(describing: error))")
            return
        }
        #expect(reason.contains(field), "\(reason)")
    }

    @Test("every contract action is registered with the verifier under its own type")
    func everyActionRegistered() {
        let registry = ContractEngine.registry
        for action in ContractEngine.actions {
            #expect(registry.contains(action.transactionType), "\(action.transactionType)")
        }
        #expect(registry.contains(GenesisBody.transactionType) && registry.contains(PingBody.transactionType))
        #expect(Set(ContractEngine.actions.map { $0.transactionType }).count == ContractEngine.actions.count)
    }
}

@Suite("contract body decoding")
struct BodyDecodingTests {
    @Test("oneTime may be left out of grant.create and access.approve, and then means false")
    func oneTimeDefaultsToFalse() throws {
        let grant = try JSONDecoder().decode(
            CreateGrant.self, from: Data(#"{"id":"g-1","grantee":"ml0123456789abcdef0123456789abcdef01234567","scope":{"kind":"all"}}"#.utf8))
        #expect(grant.oneTime == false)
        #expect(grant.expires == nil)
        let approval = try JSONDecoder().decode(ApproveAccessRequest.self, from: Data(#"{"request":"q-1","grant":"g-1","oneTime":true}"#.utf8))
        #expect(approval.oneTime == true)
        let defaulted = try JSONDecoder().decode(ApproveAccessRequest.self, from: Data(#"{"request":"q-1","grant":"g-1"}"#.utf8))
        #expect(defaulted.oneTime == false)
    }
}
