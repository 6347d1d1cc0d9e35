import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

@Suite("profile reads through the HTTP API show each reader only their disclosure's fields")
struct ProfileDisclosureRoutesTests {
    struct ProfileAnswer: Decodable {
        struct Result: Decodable {
            let kind: String
            let content: String?
            let disclosure: ProfileDisclosure?
        }
        let result: Result
    }

    /// A ledger with a hospital and a pharmacy, their staff, a doctor, and a patient whose profile is
    /// `profile`; the patient granted prescriptions to the pharmacy and the management, everything to the doctor.
    struct Cast {
        let ledger: TestLedger
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let pharmacy = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let management = EnvelopeSigner(key: P256.Signing.PrivateKey())

        /// Builds the cast; every document is uploaded through `POST /v1/blobs` by its signer.
        /// With `legacy`, the profile is registered the way a node without the profile rules took
        /// it (no content check at admission), as documents saved before those rules still are.
        static func make(profile: String, legacy: Bool = false, client: some TestClientProtocol, ledger: TestLedger) async throws -> Cast {
            let cast = Cast(ledger: ledger)
            try await ledger.submit(CreateOrganization(id: "h", name: "Hospital", kind: .hospital), by: ledger.admin)
            try await ledger.submit(CreateOrganization(id: "p", name: "Pharmacy", kind: .pharmacy), by: ledger.admin)
            try await ledger.submit(CreateAccount(publicKey: cast.pharmacy.payloadKey, role: .pharmacy, displayName: "P", organization: "p"), by: ledger.admin)
            try await ledger.submit(
                CreateAccount(publicKey: cast.management.payloadKey, role: .hospitalManagement, displayName: "M", organization: "h"), by: ledger.admin)
            let certificate = try await upload(client, ledger, "licence", owner: cast.doctor.address, by: cast.doctor)
            try await ledger.submit(RegisterDoctor(displayName: "Dr D", speciality: "GP", licence: "L", certificate: certificate), by: cast.doctor)
            try await ledger.submit(VerifyDoctor(doctor: cast.doctor.address, decision: .approve, certificate: certificate), by: ledger.admin)
            let document = try await upload(client, ledger, profile, owner: cast.patient.address, by: cast.patient)
            if legacy {
                let unchecked = ledger.node.withoutContent()
                _ = try await unchecked.submit(try cast.patient.sign(RegisterPatient(profile: document), expires: ledger.clock.now + 60_000))
            } else {
                try await ledger.submit(RegisterPatient(profile: document), by: cast.patient)
            }
            try await ledger.submit(CreateGrant(id: "g-d", grantee: cast.doctor.address, scope: .all), by: cast.patient)
            try await ledger.submit(CreateGrant(id: "g-p", grantee: cast.pharmacy.address, scope: .category(.prescriptions)), by: cast.patient)
            try await ledger.submit(CreateGrant(id: "g-m", grantee: cast.management.address, scope: .category(.prescriptions)), by: cast.patient)
            return cast
        }

        static func upload(_ client: some TestClientProtocol, _ ledger: TestLedger, _ text: String, owner: AccountAddress, by signer: EnvelopeSigner) async throws -> String {
            let target = "/v1/blobs?owner=\(owner)"
            let bytes = Array(text.utf8)
            let signature = try RequestSignature.sign(method: "POST", target: target, time: ledger.clock.now, body: bytes, with: signer.key)
            return try await client.execute(
                uri: target, method: .post, headers: [.authorization: signature.header, .contentType: "text/plain"], body: ByteBuffer(bytes: bytes)
            ) { response in
                try JSONDecoder().decode(BlobRoutesTests.Uploaded.self, from: Data(buffer: response.body)).cid
            }
        }
    }

    static let profile = #"{"name":"Alex Patient","birthDate":"1985-04-12","phone":"+1 555 0101","allergies":"penicillin","#
        + #""medications":"ramipril 5 mg","conditions":"hypertension","bloodType":"O-","gender":"female","weightKg":71.5,"heightCm":168}"#
    static let everyField: Set<String> = [
        "name", "birthDate", "phone", "allergies", "medications", "conditions", "bloodType", "gender", "weightKg", "heightCm",
    ]

    /// Runs `body` against a fresh ledger's HTTP API with the cast in place.
    func withCast(
        profile: String = Self.profile, legacy: Bool = false, _ body: @Sendable (Cast, any TestClientProtocol) async throws -> Void
    ) async throws {
        let ledger = try await TestLedger.make()
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let cast = try await Cast.make(profile: profile, legacy: legacy, client: client, ledger: ledger)
            try await body(cast, client)
        }
    }

    func read(_ cast: Cast, _ client: any TestClientProtocol, by reader: EnvelopeSigner, accept: String? = nil) async throws -> (HTTPResponse.Status, [UInt8]) {
        let envelope = try reader.sign(ViewProfile(account: cast.patient.address), expires: cast.ledger.clock.now + 60_000)
        var headers: HTTPFields = [:]
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: "/v1/queries", method: .post, headers: headers, body: ByteBuffer(bytes: envelope)) { response in
            (response.status, Array(response.body.readableBytesView))
        }
    }

    func fields(_ bytes: [UInt8]) throws -> [String: JSONValue] {
        try JSONDecoder().decode([String: JSONValue].self, from: Data(bytes))
    }

    @Test("inline answers: the patient and their doctor see all (clinical fields included), the pharmacy identity, allergies and medications, management identity and phone")
    func inline() async throws {
        try await withCast { cast, client in
        let expected: [(EnvelopeSigner, ProfileDisclosure, Set<String>)] = [
            (cast.patient, .full, Self.everyField),
            (cast.doctor, .full, Self.everyField),
            (cast.pharmacy, .dispensing, ["name", "birthDate", "allergies", "medications"]),
            (cast.management, .scheduling, ["name", "birthDate", "phone"]),
        ]
        for (reader, disclosure, keys) in expected {
            let (status, body) = try await read(cast, client, by: reader)
            #expect(status == .ok)
            let answer = try JSONDecoder().decode(ProfileAnswer.self, from: Data(body))
            #expect(answer.result.disclosure == disclosure)
            let content = try #require(answer.result.content.flatMap { Base64Coding.decodeStandard($0) })
            #expect(Set(try fields(content).keys) == keys)
        }
        }
    }

    @Test("a file stream of the profile is filtered the same way; byte ranges cannot reach the dropped fields")
    func streamed() async throws {
        try await withCast { cast, client in
            let (status, body) = try await read(cast, client, by: cast.pharmacy, accept: "application/octet-stream")
            #expect(status == .ok)
            #expect(
                try fields(body) == [
                    "name": .string("Alex Patient"), "birthDate": .string("1985-04-12"), "allergies": .string("penicillin"),
                    "medications": .string("ramipril 5 mg"),
                ])
            let text = String(decoding: body, as: UTF8.self)
            for hidden in ["hypertension", "O-", "female", "71.5", "168", "555"] { #expect(!text.contains(hidden), "\(hidden)") }
        }
    }

    @Test("a profile saved before the profile rules that is not a JSON object shows restricted readers nothing, its owner everything")
    func notAnObject() async throws {
        let text = "Alex Patient, born 1985-04-12, allergic to penicillin"
        try await withCast(profile: text, legacy: true) { cast, client in
            let (_, pharmacyBody) = try await read(cast, client, by: cast.pharmacy)
            let pharmacyAnswer = try JSONDecoder().decode(ProfileAnswer.self, from: Data(pharmacyBody))
            #expect(pharmacyAnswer.result.content.flatMap { Base64Coding.decodeStandard($0) } == Array("{}".utf8))
            let (_, ownBody) = try await read(cast, client, by: cast.patient)
            let own = try JSONDecoder().decode(ProfileAnswer.self, from: Data(ownBody))
            #expect(own.result.content.flatMap { Base64Coding.decodeStandard($0) } == Array(text.utf8))
        }
    }

    @Test("the system administrator is refused a patient's profile (403, audited), and still reads a doctor's")
    func adminRefused() async throws {
        try await withCast { cast, client in
            let (status, body) = try await read(cast, client, by: cast.ledger.admin)
            #expect(status == .forbidden)
            #expect(!String(decoding: body, as: UTF8.self).contains("Alex"))
            let events = try await cast.ledger.store.events(AuditQuery(patient: cast.patient.address, action: "profile.view"))
            #expect(events.contains { $0.outcome == .denied && $0.actor == cast.ledger.admin.address })
            let certificate = try await cast.ledger.query(ViewProfile(account: cast.doctor.address, document: .certificate), by: cast.ledger.admin)
            #expect(certificate.disclosure == .full && certificate.content == Array("licence".utf8))
        }
    }
    @Test(
        "the node checks a patient's profile before admitting it: a bad value is refused with 422 invalid_profile and nothing changes",
        arguments: [#"{"weightKg":900}"#, #"{"bloodType":"Z"}"#, #"{"heightCm":"tall"}"#, #"{"birthDate":"1985-02-30"}"#, #"{"shoeSize":"44"}"#, "plain text"])
    func invalidProfileRefused(document: String) async throws {
        try await withCast { cast, client in
            let cid = try await Cast.upload(client, cast.ledger, document, owner: cast.patient.address, by: cast.patient)
            let size = cast.ledger.node.size
            let envelope = try cast.patient.sign(UpdateProfile(profile: cid), expires: cast.ledger.clock.now + 60_000)
            try await client.execute(uri: "/v1/transactions", method: .post, body: ByteBuffer(bytes: envelope)) { response in
                #expect(response.status == .unprocessableContent)
                let text = String(buffer: response.body)
                #expect(text.contains("invalid_profile") && text.contains("The profile was not saved"))
            }
            #expect(cast.ledger.node.size == size)
            let own = try await cast.ledger.query(ViewProfile(account: cast.patient.address), by: cast.patient)
            #expect(own.content.map { String(decoding: $0, as: UTF8.self) } == Self.profile)
        }
    }

    @Test("a valid clinical profile saves as version 2, and the patient reads version 1 again")
    func newVersion() async throws {
        try await withCast { cast, client in
            let updated = #"{"name":"Alex Patient","birthDate":"1985-04-12","weightKg":72,"bloodType":"O-"}"#
            let cid = try await Cast.upload(client, cast.ledger, updated, owner: cast.patient.address, by: cast.patient)
            let receipt = try await cast.ledger.submit(UpdateProfile(profile: cid), by: cast.patient)
            #expect(receipt.contract?.allowed == true)
            let first = try await cast.ledger.query(ViewProfile(account: cast.patient.address, version: 1), by: cast.patient)
            #expect(first.content.map { String(decoding: $0, as: UTF8.self) } == Self.profile)
            let current = try await cast.ledger.query(ViewProfile(account: cast.patient.address), by: cast.doctor)
            #expect(current.content.map { String(decoding: $0, as: UTF8.self) } == updated)
        }
    }
}
