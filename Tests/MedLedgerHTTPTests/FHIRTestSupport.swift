import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Synchronization
import Testing

@testable import MedLedgerHTTP

/// Access tokens for the FHIR tests: each stands for an app session whose `session.open` a user
/// really signed on the test ledger, as the SMART authorisation server's tokens do.
final class TestAppTokens: AppTokenResolving {
    private let sessions = Mutex<[String: WebSession]>([:])
    let node: LedgerNode

    init(node: LedgerNode) { self.node = node }

    func caller(forAccessToken token: String, now: Int64) async throws -> AppCaller? {
        guard let web = sessions.withLock({ $0[token] }), web.expires > now, let open = await node.openAppSession(web.sessionAddress, now: now),
            open.session.account == web.account
        else { return nil }
        return AppCaller(web: web, session: open.session, app: open.app)
    }

    func add(_ token: String, _ session: WebSession) { sessions.withLock { $0[token] = session } }
}

/// A ledger with a registered app, a patient (profile, three records of different types, an
/// appointment, a grant to the doctor for lab results) and a verified doctor, served with the FHIR
/// routes reading through ``TestAppTokens``.
struct FHIRFixture {
    static let app = "demo-app"
    let ledger: TestLedger
    let web: WebApplication
    let tokens: TestAppTokens
    let patient: EnvelopeSigner
    let doctor: EnvelopeSigner

    var application: some ApplicationProtocol { Application(router: buildRouter(node: ledger.node, web: web)) }

    static func make(limits: RequestLimits = .unlimited) async throws -> FHIRFixture {
        let ledger = try await TestLedger.make()
        var configuration = WebConfiguration(secret: SymmetricKey(size: .bits256))
        configuration.authHashRounds = 1 << 4
        var web = try await WebApplication.load(
            node: ledger.node, credentials: InMemoryCredentialStore(), configuration: configuration, limits: limits, logger: .init(label: "test"))
        let tokens = TestAppTokens(node: ledger.node)
        web.appTokens = tokens
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let doctor = EnvelopeSigner(key: P256.Signing.PrivateKey())
        let fixture = FHIRFixture(ledger: ledger, web: web, tokens: tokens, patient: patient, doctor: doctor)
        let me = patient.address
        let profile = try await ledger.document(
            #"{"name":"Pat Patient","birthDate":"1980-02-03","gender":"female","phone":"+1 555 0100"}"#, owner: me, uploader: me)
        try await fixture.require(RegisterPatient(profile: profile), by: patient)
        try await ledger.addVerifiedDoctor(doctor, name: "Dr Grey")
        for (id, category, text) in [("lab-1", RecordCategory.labResults, "Haemoglobin 14 g/dL"), ("rx-1", .prescriptions, "Amoxicillin 500 mg"), ("imm-1", .immunizations, "MMR dose 1")] {
            let content = try await ledger.document(text, owner: me, uploader: me)
            try await fixture.require(AddDocument(id: id, category: category, content: content), by: patient)
        }
        try await fixture.require(BookAppointment(id: "ap-1", doctor: doctor.address, time: ledger.clock.now + 86_400_000), by: patient)
        try await fixture.require(CreateGrant(id: "g-1", grantee: doctor.address, scope: .category(.labResults)), by: patient)
        try await fixture.require(CreateOrganization(id: "h-1", name: "General Hospital", kind: .hospital), by: ledger.admin)
        try await fixture.require(RegisterApp(id: app, name: "Demo App", redirectURIs: ["https://app.example/callback"]), by: ledger.admin)
        return fixture
    }

    func require(_ body: some TransactionBody, by signer: EnvelopeSigner) async throws {
        let receipt = try await ledger.submit(body, by: signer)
        guard receipt.contract?.allowed == true else { throw TestLedgerError("setup denied: \(receipt.contract?.event.message ?? "")") }
    }

    /// Has `user` sign `session.open` for the app with `scopes` and returns a token for it.
    func token(for user: EnvelopeSigner, scopes: [String], patient: AccountAddress? = nil) async throws -> (token: String, key: AccountAddress) {
        let key = P256.Signing.PrivateKey()
        let expires = ledger.clock.now + 3_600_000
        try await require(OpenSession(sessionKey: key.publicKey.payloadKey, expires: expires, app: Self.app, scopes: scopes, patient: patient), by: user)
        let token = "token-" + UUID().uuidString
        tokens.add(token, WebSession(account: user.address, username: "user", key: key, csrf: "", expires: expires, lastSeen: ledger.clock.now))
        return (token, key.publicKey.address)
    }

    /// A patient token with `patient/*.rs` for themselves.
    func patientToken() async throws -> String {
        try await token(for: patient, scopes: ["launch/patient", "patient/*.rs"], patient: patient.address).token
    }
}

extension TestClientProtocol {
    /// GETs a FHIR path with a bearer token; returns the status, the parsed JSON (when JSON) and the response.
    func fhir(_ path: String, token: String?, headers extra: HTTPFields = [:]) async throws -> (status: HTTPResponse.Status, json: [String: Any], response: TestResponse) {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        let response = try await execute(uri: path, method: .get, headers: headers)
        let json = (try? JSONSerialization.jsonObject(with: Data(String(buffer: response.body).utf8))) as? [String: Any] ?? [:]
        return (response.status, json, response)
    }
}
