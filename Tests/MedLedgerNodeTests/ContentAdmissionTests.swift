import Crypto
import Foundation
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerNode

/// The content store's part of the content rule: a write may name only an object its signer
/// uploaded, sealed for the account the contracts expect; a record read decrypts only an object
/// its version's author uploaded.
@Suite("content admission")
struct ContentAdmissionTests {
    struct Fixture {
        let ledger: TestLedger
        let blobs: any BlobStore
        let patient: EnvelopeSigner
        let other: EnvelopeSigner
        let doctor: EnvelopeSigner
    }

    /// Two patients and a verified doctor whom the first patient granted everything.
    static func fixture() async throws -> Fixture {
        let ledger = try await TestLedger.make()
        let blobs = try #require(ledger.node.blobs)
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let other = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        try await ledger.submit(RegisterPatient(), by: patient)
        try await ledger.submit(RegisterPatient(), by: other)
        try await ledger.addVerifiedDoctor(doctor)
        try await ledger.submit(CreateGrant(id: "g-1", grantee: doctor.address, scope: .all), by: patient)
        return Fixture(ledger: ledger, blobs: blobs, patient: patient, other: other, doctor: doctor)
    }

    static func expectRefused(_ expected: ContentAdmissionError, _ fixture: Fixture, _ body: some TransactionBody, by signer: EnvelopeSigner) async throws {
        let size = fixture.ledger.node.size
        await #expect(throws: expected) { try await fixture.ledger.submit(body, by: signer) }
        #expect(fixture.ledger.node.size == size, "a refused write must not reach the ledger")
    }

    @Test("a patient's profile is checked on every way in: sign-up, invited sign-up and update", arguments: ["sign-up", "invitation", "update"])
    func patientProfileIsCheckedOnEveryPath(path: String) async throws {
        let fixture = try await Self.fixture()
        let newcomer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let signer = path == "update" ? fixture.patient : newcomer
        let bad = try await fixture.ledger.document(#"{"weightKg":900}"#, owner: signer.address, uploader: signer.address)
        let attempt: () async throws -> Receipt
        switch path {
        case "sign-up":
            attempt = { try await fixture.ledger.submit(RegisterPatient(profile: bad), by: signer) }
        case "invitation":
            let invitationKey = P256.Signing.PrivateKey()
            try await fixture.ledger.submit(
                CreateInvitation(id: "inv-p", publicKey: invitationKey.publicKey.payloadKey, role: .patient, seconds: 86_400), by: fixture.ledger.admin)
            let proof = try InvitationProof.sign(
                origin: TestLedger.origin, invitation: "inv-p", invitee: newcomer.payloadKey, role: .patient, with: invitationKey)
            attempt = { try await fixture.ledger.submit(AcceptInvitation(invitation: "inv-p", proof: proof, role: .patient, profile: bad), by: signer) }
        default:
            attempt = { try await fixture.ledger.submit(UpdateProfile(profile: bad), by: signer) }
        }
        let size = fixture.ledger.node.size
        do {
            _ = try await attempt()
            Issue.record("a profile with a weight of 900 kg was admitted by \(path)")
        } catch let error as ContentAdmissionError {
            guard case .invalidProfile = error else { throw error }
        }
        #expect(fixture.ledger.node.size == size, "a refused write must not reach the ledger")
    }

    @Test("naming another account's unreferenced upload is refused before sequencing")
    func someoneElsesUploadIsRefused() async throws {
        let fixture = try await Self.fixture()
        let pending = try await fixture.ledger.document("patient's draft", owner: fixture.patient.address, uploader: fixture.patient.address)
        try await Self.expectRefused(
            .notUploadedBySigner(field: "content"), fixture,
            CreateRecord(id: "rec-1", patient: fixture.patient.address, category: .visitNotes, content: pending), by: fixture.doctor)
        // The uploader's own use is admitted.
        let receipt = try await fixture.ledger.submit(AddDocument(id: "doc-1", category: .reports, content: pending), by: fixture.patient)
        #expect(receipt.contract?.allowed == true)
    }

    @Test("content sealed for another patient, or not stored at all, is refused")
    func wrongOwnerAndMissingAreRefused() async throws {
        let fixture = try await Self.fixture()
        let forOther = try await fixture.ledger.document("note", owner: fixture.other.address, uploader: fixture.doctor.address)
        try await Self.expectRefused(
            .wrongOwner(field: "content"), fixture,
            CreateRecord(id: "rec-1", patient: fixture.patient.address, category: .visitNotes, content: forOther), by: fixture.doctor)
        try await Self.expectRefused(
            .missing(field: "content"), fixture,
            CreateRecord(id: "rec-1", patient: fixture.patient.address, category: .visitNotes, content: TestLedger.cid("never stored")),
            by: fixture.doctor)
    }

    @Test("reusing content the state already names reaches the contracts, which deny it on the record's trail")
    func reusedContentIsDeniedAndAudited() async throws {
        let fixture = try await Self.fixture()
        let lab = try await fixture.ledger.document("ferritin 12", owner: fixture.patient.address, uploader: fixture.doctor.address)
        let visit = try await fixture.ledger.document("visit", owner: fixture.patient.address, uploader: fixture.doctor.address)
        try await fixture.ledger.submit(CreateRecord(id: "rec-lab-1", patient: fixture.patient.address, category: .labResults, content: lab), by: fixture.doctor)
        try await fixture.ledger.submit(CreateRecord(id: "rec-visit-1", patient: fixture.patient.address, category: .visitNotes, content: visit), by: fixture.doctor)
        let receipt = try await fixture.ledger.submit(UpdateRecord(record: "rec-visit-1", content: lab, baseVersion: 1), by: fixture.doctor)
        #expect(receipt.contract?.allowed == false)
        let trail = try await fixture.ledger.store.events(AuditQuery(record: "rec-visit-1"))
        #expect(trail.last?.outcome == .denied)
        #expect(trail.last?.action == UpdateRecord.transactionType)
    }

    @Test("a record version whose object was not uploaded by the version's author is never decrypted")
    func readsDecryptOnlyTheAuthorsUpload() async throws {
        let fixture = try await Self.fixture()
        // The doctor's upload for the patient, named by the patient through a node that checks no
        // content (as an older ledger could hold): the read must refuse it.
        let doctorsNote = try await fixture.ledger.document("doctor's note", owner: fixture.patient.address, uploader: fixture.doctor.address)
        let bare = fixture.ledger.node.withoutContent()
        _ = try await bare.submit(try fixture.patient.sign(AddDocument(id: "doc-1", category: .reports, content: doctorsNote), expires: fixture.ledger.clock.now + 60_000))
        let read = try await fixture.ledger.query(ViewRecord(record: "doc-1"), by: fixture.patient)
        #expect(read.content == nil)
        guard case .integrity = read.contentError else {
            Issue.record("expected an integrity error, got \(String(describing: read.contentError))")
            return
        }
    }

    @Test("an administrator's account.create may name the new key's own sign-up upload, not a third party's")
    func accountCreationTakesTheKeysOwnUpload() async throws {
        let fixture = try await Self.fixture()
        let newcomer = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let own = try await fixture.ledger.document("my licence", owner: newcomer.address, uploader: newcomer.address)
        let receipt = try await fixture.ledger.submit(
            CreateAccount(publicKey: newcomer.payloadKey, role: .doctor, displayName: "Dr N", certificate: own), by: fixture.ledger.admin)
        #expect(receipt.contract?.allowed == true)
        let third = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let planted = try await fixture.ledger.document("planted", owner: third.address, uploader: fixture.patient.address)
        try await Self.expectRefused(
            .notUploadedBySigner(field: "certificate"), fixture,
            CreateAccount(publicKey: third.payloadKey, role: .doctor, displayName: "Dr T", certificate: planted), by: fixture.ledger.admin)
    }

    @Test("a write by an account that is not active goes to the contracts, which deny and record it")
    func inactiveAccountsAreDeniedOnTheLedger() async throws {
        let fixture = try await Self.fixture()
        try await fixture.ledger.submit(SuspendAccount(account: fixture.doctor.address), by: fixture.ledger.admin)
        let receipt = try await fixture.ledger.submit(
            CreateRecord(id: "rec-1", patient: fixture.patient.address, category: .visitNotes, content: TestLedger.cid("never stored")),
            by: fixture.doctor)
        #expect(receipt.contract?.allowed == false)
        #expect(receipt.contract?.event.message.contains("suspended") == true)
    }
}
