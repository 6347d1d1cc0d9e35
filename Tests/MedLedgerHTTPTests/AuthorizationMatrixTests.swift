import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

private typealias Actor = AuthorizationMatrix.Actor
private typealias GrantState = AuthorizationMatrix.GrantState

/// One group of matrix cells that share a fixture: a signer in a grant state, and the actions sent
/// in order on that one ledger (ordered so no action changes what a later one is decided on).
struct MatrixGroup: Sendable, CustomTestStringConvertible {
    let actor: AuthorizationMatrix.Actor
    /// nil: the actions decided by role alone.
    let state: AuthorizationMatrix.GrantState?
    let types: [String]

    var testDescription: String { "\(actor.rawValue), \(state?.rawValue ?? "any grant state"): \(types.count) actions" }

    /// Grant-dependent actions in the order one fixture can take them: reads first, then writes
    /// that change nothing a later cell reads, then the record's change and deletion.
    static let grantOrder: [String] = [
        ViewRecord.transactionType, CopyRecord.transactionType, PrintRecord.transactionType, DownloadRecord.transactionType,
        ViewProfile.transactionType, ViewDocument.transactionType, ListRecords.transactionType, LookUpPatient.transactionType, QueryEvents.transactionType,
        QueryTrail.transactionType, ReportContentFailure.transactionType, CreateRecord.transactionType,
        DispensePrescription.transactionType, SignOffTrail.transactionType,
        UpdateRecord.transactionType, DeleteRecord.transactionType,
    ]
    static let recordReads: Set<String> = [ViewRecord.transactionType, CopyRecord.transactionType, PrintRecord.transactionType, DownloadRecord.transactionType]

    /// Every cell of the published matrix, grouped by fixture. A one-time grant not yet used is
    /// consumed by the first read, so each record read in that state gets a fixture of its own.
    static let all: [MatrixGroup] = {
        var groups: [MatrixGroup] = []
        let roleTypes = ContractEngine.actions.map { $0.transactionType }.filter { AuthorizationMatrix.rules[$0]?.dependsOnGrant == false }
        let grantTypes = ContractEngine.actions.map { $0.transactionType }.filter { AuthorizationMatrix.rules[$0]?.dependsOnGrant == true }
        precondition(Set(grantTypes) == Set(grantOrder), "every grant-dependent action needs a place in grantOrder")
        for actor in Actor.allCases {
            groups.append(MatrixGroup(actor: actor, state: nil, types: roleTypes))
            for state in GrantState.allCases where state.applies(to: actor) {
                if state == .oneTimeUnused {
                    let others = grantOrder.filter { !recordReads.contains($0) }
                    groups.append(MatrixGroup(actor: actor, state: state, types: others + [ViewRecord.transactionType]))
                    for read in [CopyRecord.transactionType, PrintRecord.transactionType, DownloadRecord.transactionType] {
                        groups.append(MatrixGroup(actor: actor, state: state, types: [read]))
                    }
                } else {
                    groups.append(MatrixGroup(actor: actor, state: state, types: grantOrder))
                }
            }
        }
        return groups
    }()
}

/// The authorization matrix of docs/CONTRACTS.md, cell by cell, through the public HTTP API.
///
/// Each group builds a fresh ledger (``TestLedger``: a real ``LedgerNode`` on an in-memory SQLite
/// store, with an in-memory content store), builds its grant state with real signed transactions,
/// then sends each action as its signer would: writes to `POST /v1/transactions`, reads to
/// `POST /v1/queries`, with every document uploaded first through `POST /v1/blobs` by the signer.
/// Each cell asserts the HTTP status, the receipt's audit event and the stored event; reads of a
/// record or a profile also assert that content comes back exactly when allowed, and only the
/// profile fields the reader's disclosure names.
@Suite("authorization matrix through the HTTP API")
struct HTTPAuthorizationMatrixTests {
    @Test("every cell: status, audit event and content as the contracts' table says", arguments: MatrixGroup.all)
    func cells(group: MatrixGroup) async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            var world = MatrixWorld(ledger: ledger, client: client)
            try await world.setUp(for: group)
            var expectations: [(index: UInt64, allowed: Bool, cell: String)] = []
            for type in group.types {
                let rule = try #require(AuthorizationMatrix.rule(for: type))
                let state = group.state ?? GrantState.none
                guard let expected = rule.allows(group.actor, in: state) else {
                    Issue.record("\(type): no cell for \(group.actor) in \(state)")
                    continue
                }
                let cell = "\(type) by \(group.actor.rawValue) (\(group.state?.rawValue ?? "any"))"
                let index = try await world.send(type, by: group.actor, expected: expected, cell: cell)
                expectations.append((index, expected, cell))
            }
            // Every attempt, allowed or denied, is an event on the ledger with the outcome the table says.
            let stored = try await ledger.store.events(AuditQuery(limit: 5_000))
            let byIndex = Dictionary(stored.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
            for expectation in expectations {
                let event = byIndex[expectation.index]
                #expect(event?.outcome == (expectation.allowed ? .allowed : .denied), "\(expectation.cell): stored event \(event?.message ?? "missing")")
            }
        }
    }

    @Test("the groups cover every cell of the table exactly once")
    func groupsCoverTheTable() {
        var sent: [String: Int] = [:]
        for group in MatrixGroup.all {
            for type in group.types { sent["\(type)|\(group.actor.rawValue)|\((group.state ?? GrantState.none).rawValue)", default: 0] += 1 }
        }
        var cells = 0
        for (type, rule) in AuthorizationMatrix.rules {
            for actor in Actor.allCases {
                for state in rule.states where rule.allows(actor, in: state) != nil {
                    cells += 1
                    #expect(sent["\(type)|\(actor.rawValue)|\(state.rawValue)"] == 1, "\(type) \(actor) \(state)")
                }
            }
        }
        #expect(sent.count == cells)
    }
}

/// A ledger with the matrix's cast, driven through the HTTP API.
private struct MatrixWorld {
    let ledger: TestLedger
    let client: any TestClientProtocol

    static var hospital: String { "general" }
    static var pharmacyOrg: String { "corner-pharmacy" }
    static var rx: String { "rx-1" }
    /// The emergency access the record's author opened; its justification is what `document.view` reads.
    static var authorBreakGlass: String { "bg-author" }
    /// The key of the patient invitation `invitation.accept` uses (its private half is the link's).
    static var inviteKey: P256.Signing.PrivateKey { try! P256.Signing.PrivateKey(rawRepresentation: Array(repeating: 42, count: 32)) }
    static var justification: String { "patient unconscious in the emergency room" }
    static var profile: [String: String] {
        ["name": "Alex Patient", "birthDate": "1985-04-12", "phone": "+1 555 0101", "address": "1 Main St", "allergies": "penicillin"]
    }

    var keys: [Actor: EnvelopeSigner] = Dictionary(uniqueKeysWithValues: Actor.allCases.map { ($0, EnvelopeSigner(key: P256.Signing.PrivateKey())) })
    let author = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let tallyAuditor = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let spareAdmin = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let pendingDoctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let staffToSuspend = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let staffSuspended = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let erasing = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let declining = EnvelopeSigner(key: P256.Signing.PrivateKey())
    let ownerSession = EnvelopeSigner(key: P256.Signing.PrivateKey())
    /// The prescription's first version's content and CID.
    var rxContent = Array("amoxicillin 500 mg".utf8)
    var rxCID = ""
    var pendingCertificate = ""
    var counter = 0

    init(ledger: TestLedger, client: any TestClientProtocol) {
        self.ledger = ledger
        self.client = client
    }

    var admin: EnvelopeSigner { ledger.admin }
    func signer(_ actor: Actor) -> EnvelopeSigner {
        actor == .systemAdmin ? ledger.admin : keys[actor]!
    }
    var patient: AccountAddress { keys[.patient]!.address }

    mutating func fresh(_ prefix: String) -> String {
        counter += 1
        return "\(prefix)-\(counter)"
    }

    // MARK: Transport

    /// Uploads `bytes` through `POST /v1/blobs`, signed by `signer`, encrypted for `owner`; returns
    /// the CID. Where the store refuses (an erased patient), a CID no store holds stands in: the
    /// action is then refused by the contracts, which is what the cell checks.
    mutating func upload(_ text: String, owner: AccountAddress, by signer: EnvelopeSigner, json: Bool = false) async throws -> String {
        let bytes = Array(text.utf8)
        let target = "/v1/blobs?owner=\(owner)"
        let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: bytes, with: signer.key)
        let cid: String? = try await client.execute(
            uri: target, method: .post,
            headers: [.authorization: signature.header, .contentType: json ? "application/json" : "text/plain"], body: ByteBuffer(bytes: bytes)
        ) { response in
            guard response.status == .created else { return nil }
            return try JSONDecoder().decode(Uploaded.self, from: Data(buffer: response.body)).cid
        }
        if let cid { return cid }
        let digest = SHA256.hash(data: bytes + Array(fresh("missing").utf8))
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567")
        return "bafkrei" + String(digest.map { alphabet[Int($0 & 31)] })
    }

    struct Uploaded: Decodable { let cid: String }

    /// Signs and submits a setup step directly to the node; throws unless the contracts allowed it.
    @discardableResult
    func require(_ body: some TransactionBody, by signer: EnvelopeSigner) async throws -> Receipt {
        let receipt: Receipt
        if ContractEngine.readTypes.contains(type(of: body).transactionType) {
            receipt = try await ledger.query(body, by: signer).receipt
        } else {
            receipt = try await ledger.submit(body, by: signer)
        }
        guard receipt.contract?.allowed == true else {
            throw MatrixSetupError("\(type(of: body).transactionType): \(receipt.contract?.event.message ?? "no outcome")")
        }
        return receipt
    }

    struct MatrixSetupError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// The answer to a cell's request, whichever of its shapes it has.
    struct Answer: Decodable {
        struct Receipt: Decodable {
            let index: UInt64
            let event: AuditEvent?
        }
        struct Result: Decodable {
            let kind: String
            let content: String?
        }
        struct Failure: Decodable {
            let code: String
            let message: String
        }
        let index: UInt64?
        let event: AuditEvent?
        let receipt: Receipt?
        let result: Result?
        let error: Failure?
    }

    /// Sends `type` as `actor` would and checks the cell; returns the entry's index.
    mutating func send(_ type: String, by actor: Actor, expected: Bool, cell: String) async throws -> UInt64 {
        let signer = actor == .noAccount ? EnvelopeSigner(key: P256.Signing.PrivateKey()) : self.signer(actor)
        let body = try await body(of: type, signer: signer)
        let envelope = try signer.sign(body, expires: ledger.clock.now + 60_000)
        let read = ContractEngine.readTypes.contains(type)
        let (status, answer) = try await client.execute(
            uri: read ? "/v1/queries" : "/v1/transactions", method: .post, body: ByteBuffer(bytes: envelope)
        ) { response in
            do {
                return (response.status, try JSONDecoder().decode(Answer.self, from: Data(buffer: response.body)))
            } catch {
                throw MatrixSetupError("\(cell): \(response.status) \(String(buffer: response.body))")
            }
        }
        let event = answer.event ?? answer.receipt?.event
        let message = event?.message ?? answer.error?.message ?? "no event"
        #expect(event?.action == type, "\(cell): \(message)")
        if expected {
            #expect(status == (read ? .ok : .created), "\(cell): expected allowed, got \(status.code): \(message)")
            #expect(event?.outcome == .allowed, "\(cell): \(message)")
        } else {
            #expect(status == .forbidden, "\(cell): expected denied (403), got \(status.code): \(message)")
            #expect(answer.error?.code == "denied", "\(cell)")
            #expect(event?.outcome == .denied, "\(cell): \(message)")
            #expect(answer.result == nil, "\(cell): a denied read returned an answer")
        }
        if read { try checkContent(type, actor: actor, allowed: expected, answer: answer, cell: cell) }
        return try #require(answer.index ?? answer.receipt?.index, "\(cell): no receipt")
    }

    /// Content comes back only with an allowed record, profile or side-document read, and a profile shows only the
    /// fields the reader's disclosure names.
    func checkContent(_ type: String, actor: Actor, allowed: Bool, answer: Answer, cell: String) throws {
        let content = answer.result?.content.flatMap { Base64Coding.decodeStandard($0) }
        if MatrixGroup.recordReads.contains(type) {
            #expect(content == (allowed ? rxContent : nil), "\(cell): record content")
        } else if type == ViewProfile.transactionType {
            guard allowed else { return #expect(content == nil, "\(cell): profile content") }
            let shown = try JSONDecoder().decode([String: String].self, from: Data(try #require(content, "\(cell): no profile content")))
            let fields: Set<String>?
            switch actor {
            case .patient: fields = nil
            case .doctor: fields = nil
            default: fields = actor.role.flatMap { ProfileDisclosure.ofPatientProfile(to: $0) }?.fields ?? []
            }
            #expect(shown == Self.profile.filter { fields?.contains($0.key) ?? true }, "\(cell): profile fields \(shown.keys.sorted())")
            if actor == .pharmacy { #expect(Set(shown.keys) == ["name", "birthDate", "allergies"], "\(cell)") }
            if actor == .hospitalManagement { #expect(Set(shown.keys) == ["name", "birthDate", "phone"], "\(cell)") }
        } else if type == ViewDocument.transactionType {
            #expect(content == (allowed ? Array(Self.justification.utf8) : nil), "\(cell): justification content")
        } else {
            #expect(content == nil, "\(cell): unexpected content")
        }
    }

    // MARK: Bodies

    /// The body `signer` sends for `type`: always aimed at the patient's objects (their prescription,
    /// profile, appointments, requests, grants), with documents uploaded first by the signer.
    mutating func body(of type: String, signer: EnvelopeSigner) async throws -> any TransactionBody {
        let now = ledger.clock.now
        switch type {
        case CreateOrganization.transactionType: return CreateOrganization(id: fresh("org"), name: "North Clinic", kind: .hospital)
        case AddAdmin.transactionType: return AddAdmin(publicKey: EnvelopeSigner(key: P256.Signing.PrivateKey()).payloadKey, displayName: "New Admin")
        case RemoveAdmin.transactionType: return RemoveAdmin(account: spareAdmin.address)
        case CreateAccount.transactionType:
            return CreateAccount(
                publicKey: EnvelopeSigner(key: P256.Signing.PrivateKey()).payloadKey, role: .hospitalManagement, displayName: "Front Desk",
                organization: Self.hospital)
        case VerifyDoctor.transactionType: return VerifyDoctor(doctor: pendingDoctor.address, decision: .approve, certificate: pendingCertificate)
        case SuspendAccount.transactionType: return SuspendAccount(account: staffToSuspend.address)
        case ReactivateAccount.transactionType: return ReactivateAccount(account: staffSuspended.address)
        case SetParameters.transactionType:
            return SetParameters(parameters: SystemParameters(defaultGrantSeconds: 7 * 86_400, maxGrantSeconds: 90 * 86_400, breakGlassSeconds: 3_600))
        case CreateInvitation.transactionType:
            return CreateInvitation(
                id: fresh("inv"), publicKey: P256.Signing.PrivateKey().publicKey.payloadKey, role: .doctor,
                organization: Self.hospital, seconds: 86_400, label: "Cardiology team", licence: fresh("LIC"))
        case RevokeInvitation.transactionType: return RevokeInvitation(invitation: "inv-revoke")
        case AcceptInvitation.transactionType:
            return AcceptInvitation(
                invitation: "inv-accept",
                proof: try InvitationProof.sign(
                    origin: TestLedger.origin, invitation: "inv-accept", invitee: signer.payloadKey, role: .patient, with: Self.inviteKey),
                role: .patient,
                profile: try await upload(#"{"name":"Invited Patient"}"#, owner: signer.address, by: signer, json: true))
        case ListInvitations.transactionType: return ListInvitations()
        case RegisterPatient.transactionType:
            return RegisterPatient(profile: try await upload(#"{"name":"New Patient"}"#, owner: signer.address, by: signer, json: true))
        case RegisterDoctor.transactionType:
            return RegisterDoctor(
                displayName: "Dr New", speciality: "Cardiology", licence: fresh("LIC"),
                certificate: try await upload("certificate", owner: signer.address, by: signer), organization: Self.hospital)
        case ChangeLicence.transactionType: return ChangeLicence(licence: fresh("LIC"))
        case UpdateProfile.transactionType:
            return UpdateProfile(profile: try await upload(#"{"name":"Renamed"}"#, owner: signer.address, by: signer, json: true))
        case ViewProfile.transactionType: return ViewProfile(account: patient)
        case ViewDocument.transactionType: return ViewDocument(kind: .justification, id: Self.authorBreakGlass)
        case RequestErasure.transactionType: return RequestErasure(patient: patient)
        case WithdrawErasure.transactionType: return WithdrawErasure()
        case ConfirmErasure.transactionType: return ConfirmErasure(patient: erasing.address)
        case DeclineErasure.transactionType: return DeclineErasure(patient: declining.address)
        case BookAppointment.transactionType:
            return BookAppointment(id: fresh("appt"), doctor: self.signer(.doctor).address, time: now + 2 * 86_400_000)
        case CancelAppointment.transactionType: return CancelAppointment(appointment: "a-cancel")
        case DeleteAppointment.transactionType: return DeleteAppointment(appointment: "a-delete")
        case AcceptAppointment.transactionType: return AcceptAppointment(appointment: "a-accept")
        case DeclineAppointment.transactionType: return DeclineAppointment(appointment: "a-decline")
        case CompleteAppointment.transactionType: return CompleteAppointment(appointment: "a-complete")
        case CreateGrant.transactionType: return CreateGrant(id: fresh("g"), grantee: author.address, scope: .all)
        case RevokeGrant.transactionType: return RevokeGrant(grant: "g-revoke")
        case RequestAccess.transactionType:
            return RequestAccess(
                id: fresh("req"), patient: patient, scope: .category(.prescriptions),
                reason: try await upload("reason", owner: patient, by: signer))
        case ApproveAccessRequest.transactionType: return ApproveAccessRequest(request: "req-approve", grant: fresh("g-approved"))
        case DenyAccessRequest.transactionType: return DenyAccessRequest(request: "req-deny")
        case OpenBreakGlass.transactionType:
            return OpenBreakGlass(id: fresh("bg"), patient: patient, justification: try await upload("unconscious", owner: patient, by: signer))
        case CreateRecord.transactionType:
            return CreateRecord(
                id: fresh("note"), patient: patient, category: .prescriptions, content: try await upload("new note", owner: patient, by: signer))
        case AddDocument.transactionType:
            return AddDocument(id: fresh("doc"), category: .medicalHistory, content: try await upload("old scan", owner: signer.address, by: signer))
        case UpdateRecord.transactionType:
            return UpdateRecord(record: Self.rx, content: try await upload("amoxicillin 250 mg", owner: patient, by: signer), baseVersion: 1)
        case DeleteRecord.transactionType: return DeleteRecord(record: Self.rx)
        case ViewRecord.transactionType: return ViewRecord(record: Self.rx)
        case CopyRecord.transactionType: return CopyRecord(record: Self.rx)
        case PrintRecord.transactionType: return PrintRecord(record: Self.rx)
        case DownloadRecord.transactionType: return DownloadRecord(record: Self.rx)
        case ReportContentFailure.transactionType: return ReportContentFailure(record: Self.rx, version: 1, content: rxCID, problem: .missing)
        case DispensePrescription.transactionType: return DispensePrescription(record: Self.rx)
        case QueryTrail.transactionType: return QueryTrail(record: Self.rx)
        case RecordTally.transactionType:
            // A client asserting a tally result: only the node's service key may record one.
            return RecordTally(record: Self.rx, auditor: signer.address, result: .discrepancy, checkpointSize: ledger.node.size, discrepancies: 1)
        case SignOffTrail.transactionType: return SignOffTrail(record: Self.rx, decision: .flag)
        case QueryEvents.transactionType: return QueryEvents(query: AuditQuery(patient: patient))
        case ListRecords.transactionType: return ListRecords(patient: patient)
        case ListAppointments.transactionType: return ListAppointments()
        case ListGrants.transactionType: return ListGrants()
        case ListAccessRequests.transactionType: return ListAccessRequests()
        case ListAccounts.transactionType: return ListAccounts(role: .doctor, status: .active)
        case ListErasureRequests.transactionType: return ListErasureRequests(status: .pending)
        case ListOrganizations.transactionType: return ListOrganizations()
        case LookUpPatient.transactionType: return LookUpPatient(patient: patient)
        case SearchDirectory.transactionType: return SearchDirectory(text: "hospital")
        case ListHospitalPatients.transactionType: return ListHospitalPatients()
        case ViewNames.transactionType: return ViewNames(accounts: [patient])
        // A page view of a list every active account may read: the row is the view's own gate.
        case PageView.transactionType: return PageView([ListOrganizations()])
        case OpenSession.transactionType:
            return OpenSession(sessionKey: EnvelopeSigner(key: P256.Signing.PrivateKey()).payloadKey, expires: now + 3_600_000)
        case CloseSession.transactionType: return CloseSession(session: ownerSession.address)
        // The registration comes first in the group, so a system administrator retires the app it registered.
        case RegisterApp.transactionType: return RegisterApp(id: "matrix-app", name: "Matrix app", redirectURIs: ["https://app.example/callback"])
        case RetireApp.transactionType: return RetireApp(id: "matrix-app")
        case ListApps.transactionType: return ListApps()
        case ListAppSessions.transactionType: return ListAppSessions()
        default:
            throw MatrixSetupError("no body for \(type)")
        }
    }

    // MARK: Fixtures

    /// The cast every group starts from: a hospital and a pharmacy with their staff, the patient
    /// (with a profile) and another patient, the prescription a separate doctor wrote, and a failed
    /// tally check of it by a separate auditor (so auditors with a grant may open it).
    mutating func setUp(for group: MatrixGroup) async throws {
        let now = ledger.clock.now
        try await require(CreateOrganization(id: Self.hospital, name: "General Hospital", kind: .hospital), by: admin)
        try await require(CreateOrganization(id: Self.pharmacyOrg, name: "Corner Pharmacy", kind: .pharmacy), by: admin)
        try await require(AddAdmin(publicKey: signer(.organizationAdmin).payloadKey, displayName: "Hospital Admin", organization: Self.hospital), by: admin)
        try await require(AddAdmin(publicKey: spareAdmin.payloadKey, displayName: "Spare Admin", organization: Self.hospital), by: admin)
        for doctor in [signer(.doctor), author] {
            let certificate = try await upload("licence", owner: doctor.address, by: doctor)
            try await require(
                RegisterDoctor(displayName: "Dr \(doctor.address.description.prefix(6))", speciality: "General practice", licence: fresh("LIC"),
                    certificate: certificate, organization: Self.hospital), by: doctor)
            try await require(VerifyDoctor(doctor: doctor.address, decision: .approve, certificate: certificate), by: admin)
        }
        for auditor in [signer(.auditor), tallyAuditor] {
            try await require(CreateAccount(publicKey: auditor.payloadKey, role: .auditor, displayName: "Auditor"), by: admin)
        }
        for staff in [signer(.hospitalManagement), staffToSuspend, staffSuspended] {
            try await require(CreateAccount(publicKey: staff.payloadKey, role: .hospitalManagement, displayName: "Manager", organization: Self.hospital), by: admin)
        }
        try await require(SuspendAccount(account: staffSuspended.address), by: admin)
        try await require(CreateAccount(publicKey: signer(.pharmacy).payloadKey, role: .pharmacy, displayName: "Pharmacist", organization: Self.pharmacyOrg), by: admin)

        let owner = signer(.patient)
        let profileText = String(decoding: try JSONEncoder().encode(Self.profile), as: UTF8.self)
        try await require(RegisterPatient(profile: try await upload(profileText, owner: owner.address, by: owner, json: true)), by: owner)
        try await require(RegisterPatient(), by: signer(.otherPatient))

        try await require(CreateGrant(id: "g-author", grantee: author.address, scope: .all), by: owner)
        rxCID = try await upload(String(decoding: rxContent, as: UTF8.self), owner: patient, by: author)
        try await require(CreateRecord(id: Self.rx, patient: patient, category: .prescriptions, content: rxCID), by: author)
        try await require(
            OpenBreakGlass(id: Self.authorBreakGlass, patient: patient, justification: try await upload(Self.justification, owner: patient, by: author)),
            by: author)
        try await require(CreateGrant(id: "g-tally", grantee: tallyAuditor.address, scope: .all), by: owner)
        // Another auditor's failed tally, recorded by the node: it opens nothing for the others.
        try await recordNodeTally(for: tallyAuditor.address)

        guard let state = group.state else { return try await setUpRoleRows(now: now) }
        try await give(state, to: group.actor)
    }

    /// What the actions decided by role alone act on: a pending doctor, two patients waiting for an
    /// erasure decision, the patient's appointments with the doctor, a grant to revoke, two access
    /// requests from the pharmacy, and a sign-in session of the patient's.
    mutating func setUpRoleRows(now: Int64) async throws {
        let owner = signer(.patient)
        pendingCertificate = try await upload("pending licence", owner: pendingDoctor.address, by: pendingDoctor)
        try await require(
            RegisterDoctor(displayName: "Dr Pending", speciality: "Dermatology", licence: "LIC-PENDING", certificate: pendingCertificate,
                organization: Self.hospital), by: pendingDoctor)
        for someone in [erasing, declining] {
            try await require(RegisterPatient(), by: someone)
            try await require(RequestErasure(patient: someone.address), by: someone)
        }
        for id in ["a-cancel", "a-delete", "a-accept", "a-decline", "a-complete"] {
            try await require(BookAppointment(id: id, doctor: signer(.doctor).address, time: now + 86_400_000), by: owner)
        }
        try await require(AcceptAppointment(appointment: "a-complete"), by: signer(.doctor))
        try await require(CreateGrant(id: "g-revoke", grantee: author.address, scope: .all), by: owner)
        for id in ["req-approve", "req-deny"] {
            try await require(
                RequestAccess(id: id, patient: patient, scope: .category(.prescriptions), reason: try await upload("refill", owner: patient, by: signer(.pharmacy))),
                by: signer(.pharmacy))
        }
        try await require(OpenSession(sessionKey: ownerSession.payloadKey, expires: now + 3_600_000), by: owner)
        // Invitations to revoke (a doctor's, into the hospital) and to accept (a patient's).
        try await require(
            CreateInvitation(id: "inv-revoke", publicKey: P256.Signing.PrivateKey().publicKey.payloadKey, role: .doctor,
                organization: Self.hospital, seconds: 86_400), by: admin)
        try await require(
            CreateInvitation(id: "inv-accept", publicKey: Self.inviteKey.publicKey.payloadKey, role: .patient, seconds: 86_400),
            by: signer(.organizationAdmin))
    }

    /// Puts `actor` in `state` towards the patient with real signed transactions.
    /// The node's record of a failed tally check it ran for `auditor` (signed with its service key).
    func recordNodeTally(for auditor: AccountAddress) async throws {
        try await require(
            RecordTally(record: Self.rx, auditor: auditor, result: .discrepancy, checkpointSize: ledger.node.size, discrepancies: 1),
            by: ledger.node.service)
    }

    mutating func give(_ state: GrantState, to actor: Actor) async throws {
        let owner = signer(.patient)
        let grantee = signer(actor).address
        let category = AccessScope.category(.prescriptions)
        // An auditor's own failed check, recorded while their grant covers the record: auditors
        // open a record only after one, so the grant state is what each cell then decides.
        let tallied = { [self] in if actor == .auditor { try await self.recordNodeTally(for: grantee) } }
        switch state {
        case .none:
            break
        case .allRecords:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: .all), by: owner)
            try await tallied()
        case .oneRecord:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: .record(Self.rx)), by: owner)
            try await tallied()
        case .category:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: category), by: owner)
            try await tallied()
        case .oneTimeUnused:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: .record(Self.rx), oneTime: true), by: owner)
            try await tallied()
        case .oneTimeUsed:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: .record(Self.rx), oneTime: true), by: owner)
            try await tallied()
            try await require(ViewRecord(record: Self.rx), by: signer(actor))
        case .expired:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: category, expires: ledger.clock.now + 1_000), by: owner)
            try await tallied()
            ledger.clock.advance(millis: 5_000)
        case .revoked:
            try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: category), by: owner)
            try await tallied()
            try await require(RevokeGrant(grant: "g-signer"), by: owner)
        case .breakGlass:
            try await require(
                OpenBreakGlass(id: "bg-signer", patient: patient, justification: try await upload("emergency", owner: patient, by: signer(actor))),
                by: signer(actor))
        case .erasedPatient:
            if actor.role?.canBeGranted == true {
                try await require(CreateGrant(id: "g-signer", grantee: grantee, scope: category), by: owner)
                try await tallied()
            }
            try await require(RequestErasure(patient: patient), by: owner)
            try await require(ConfirmErasure(patient: patient), by: admin)
        }
    }
}
