import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// The real pages, each view one `page.view` entry: its reads, the names of the patients it shows
/// and the reasons of pending access requests are parts of the same entry.
@Suite("one ledger entry per page view")
struct PageViewRoutesTests {
    /// The bundled web root over a test ledger, with a patient who holds a record and a pending
    /// access request from a verified doctor, and a second patient who granted the doctor access.
    struct Cast {
        let fixture: WebAuthTests.Fixture
        let patient: WebAuthTests.User
        let second: WebAuthTests.User
        let doctor: WebAuthTests.User

        static let record = "rec-1"
        static let request = "req-1"

        static func make(limits: RequestLimits = .unlimited) async throws -> Cast {
            let ledger = try await TestLedger.make()
            let credentials = InMemoryCredentialStore()
            var configuration = WebConfiguration(secret: SymmetricKey(size: .bits256))
            configuration.authHashRounds = 1 << 4
            let web = try await WebApplication.load(
                node: ledger.node, credentials: credentials, configuration: configuration, limits: limits, logger: .init(label: "test"))
            let fixture = WebAuthTests.Fixture(ledger: ledger, credentials: credentials, web: web, root: configuration.root)
            let patient = try await WebAuthTests.user(fixture, username: "pat", register: false)
            let second = try await WebAuthTests.user(fixture, username: "sam", register: false)
            let doctor = try await WebAuthTests.user(fixture, username: "doc", role: .doctor, register: false)
            for (user, name) in [(patient, "Pat Patient"), (second, "Sam Second")] {
                let profile = try await ledger.document(#"{"name":"\#(name)"}"#, owner: user.signer.address, uploader: user.signer.address)
                try await require(ledger, RegisterPatient(profile: profile), by: user.signer)
            }
            try await ledger.addVerifiedDoctor(doctor.signer)
            let content = try await ledger.document("blood test", owner: patient.signer.address, uploader: patient.signer.address)
            try await require(ledger, AddDocument(id: record, category: .reports, content: content), by: patient.signer)
            let reason = try await ledger.document("follow-up of your blood test", owner: patient.signer.address, uploader: doctor.signer.address)
            try await require(
                ledger, RequestAccess(id: request, patient: patient.signer.address, scope: .category(.reports), reason: reason), by: doctor.signer)
            for user in [patient, second] {
                try await require(ledger, CreateGrant(id: "g-\(user.credential.username)", grantee: doctor.signer.address, scope: .all), by: user.signer)
            }
            return Cast(fixture: fixture, patient: patient, second: second, doctor: doctor)
        }

        static func require(_ ledger: TestLedger, _ body: some TransactionBody, by signer: EnvelopeSigner) async throws {
            let receipt = try await ledger.submit(body, by: signer)
            guard receipt.contract?.allowed == true else { throw TestLedgerError("setup denied: \(receipt.contract?.event.message ?? "")") }
        }

        /// Logs `user` in and opens their session; returns the cookie.
        func signIn(_ client: some TestClientProtocol, _ user: WebAuthTests.User) async throws -> String {
            let open = try await WebAuthTests.logInForSession(client, fixture, user)
            let session = try await client.execute(
                uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
            #expect(session.status == .ok)
            let setCookie = try #require(session.headers[.setCookie])
            return String(setCookie.split(separator: ";")[0])
        }

        /// Views `path` and returns the page and the entries the view added.
        func view(_ client: some TestClientProtocol, _ path: String, cookie: String) async throws -> (page: String, events: [AuditEvent]) {
            let before = fixture.ledger.node.size
            let response = try await client.execute(uri: path, method: .get, headers: [.cookie: cookie])
            #expect(response.status == .ok, "\(path)")
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            return (String(buffer: response.body), events)
        }
    }

    @Test("the patient overview is one entry: its lists and the pending request's reason, naming the patient")
    func patientOverview() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let cookie = try await cast.signIn(client, cast.patient)
            let (page, events) = try await cast.view(client, "/patient", cookie: cookie)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.action == PageView.transactionType)
            #expect(event.outcome == .allowed)
            #expect(event.actor == cast.patient.signer.address)
            #expect(event.patient == cast.patient.signer.address)
            #expect(event.message.contains("list records of patient"))
            #expect(event.message.contains("reason of access request \(Cast.request)"))
            // The reason was read as part of the page view and is shown.
            #expect(page.contains("follow-up of your blood test"))
        }
    }

    @Test("a record page is one entry naming the record, its patient's name read included")
    func recordPage() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let cookie = try await cast.signIn(client, cast.doctor)
            let (page, events) = try await cast.view(client, "/records/\(Cast.record)", cookie: cookie)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(event.action == PageView.transactionType)
            #expect(event.record == Cast.record)
            #expect(event.patient == cast.patient.signer.address)
            #expect(event.message.contains("view record \(Cast.record) v1"))
            #expect(event.message.contains("view the names of patient \(cast.patient.signer.address.rawValue)"))
            #expect(page.contains("blood test"))
            #expect(page.contains("Pat Patient"))
        }
    }

    @Test("a print page is one entry of its own kind, so the trail says the record was printed")
    func printPageKeepsItsAction() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let cookie = try await cast.signIn(client, cast.patient)
            let (page, events) = try await cast.view(client, "/records/\(Cast.record)/print", cookie: cookie)
            #expect(events.map(\.action) == [PrintRecord.transactionType])
            #expect(events.first?.status == .printed && events.first?.record == Cast.record)
            #expect(!page.contains("could not"))
        }
    }

    @Test("the doctor's patients page is one entry naming both patients; each patient's activity shows it")
    func doctorPatientsAndActivity() async throws {
        let cast = try await Cast.make()
        try await cast.fixture.app.test(.router) { client in
            let doctorCookie = try await cast.signIn(client, cast.doctor)
            let (page, events) = try await cast.view(client, "/doctor/patients", cookie: doctorCookie)
            #expect(events.count == 1)
            let event = try #require(events.first)
            #expect(Set(event.patients) == [cast.patient.signer.address, cast.second.signer.address])
            #expect(page.contains("Pat Patient") && page.contains("Sam Second"))

            for user in [cast.patient, cast.second] {
                let cookie = try await cast.signIn(client, user)
                let (activity, activityEvents) = try await cast.view(client, "/patient/activity", cookie: cookie)
                #expect(activityEvents.count == 1)
                #expect(activityEvents.first?.action == PageView.transactionType)
                #expect(activity.contains("Viewed a page"), "\(user.credential.username)")
                let theirs = try await cast.fixture.ledger.store.events(AuditQuery(patient: user.signer.address))
                #expect(theirs.contains(event))
                // Each patient sees who saw them, never who else was on the doctor's screen.
                let other = user.signer.address == cast.patient.signer.address ? cast.second : cast.patient
                #expect(!activity.contains(other.signer.address.rawValue), "\(user.credential.username)")
                #expect(!activity.contains(other.credential.username == "pat" ? "Pat Patient" : "Sam Second"))
            }
        }
    }

    @Test("POST /v1/queries answers a page view with each read's result or refusal, in the body's order")
    func pageViewThroughTheAPI() async throws {
        let cast = try await Cast.make()
        let ledger = cast.fixture.ledger
        try await Application(router: buildRouter(node: ledger.node)).test(.router) { client in
            let body = PageView([ViewRecord(record: Cast.record), ListRecords(patient: cast.second.signer.address), ListGrants()])
            let envelope = try cast.doctor.signer.sign(body, expires: ledger.clock.now + 60_000)
            let response = try await client.execute(uri: "/v1/queries", method: .post, body: ByteBuffer(bytes: envelope))
            #expect(response.status == .ok)
            let answer = try WebAuthTests.object(response)
            let result = try #require(answer["result"] as? [String: Any])
            #expect(result["kind"] as? String == "page")
            let reads = try #require(result["reads"] as? [[String: Any]])
            #expect(reads.count == 3)
            let record = try #require(reads[0]["result"] as? [String: Any])
            #expect(record["kind"] as? String == "record")
            let content = try #require(record["content"] as? String)
            #expect(Base64Coding.decodeStandard(content) == Array("blood test".utf8))
            #expect((reads[1]["result"] as? [String: Any])?["kind"] as? String == "records")
            #expect((reads[2]["result"] as? [String: Any])?["kind"] as? String == "grants")
        }
    }

    @Test("a page view spends one unit of the session's read budget, however many reads it holds")
    func oneBudgetUnitPerPage() async throws {
        // A budget of one read that never refills.
        let limits = RequestLimits(
            transactions: UnlimitedRateLimiter(), queries: InMemoryRateLimiter(limit: RateLimit(perMinute: 0, burst: 1)),
            uploads: UnlimitedRateLimiter())
        let cast = try await Cast.make(limits: limits)
        try await cast.fixture.app.test(.router) { client in
            let cookie = try await cast.signIn(client, cast.patient)
            let (_, events) = try await cast.view(client, "/patient", cookie: cookie)
            #expect(events.count == 1)
            let size = cast.fixture.ledger.node.size
            let refused = try await client.execute(uri: "/patient", method: .get, headers: [.cookie: cookie])
            #expect(refused.status == .tooManyRequests)
            #expect(cast.fixture.ledger.node.size == size)
        }
    }
}
