import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// The CSV writer, the report filters and the paging of exports, without a server.
@Suite("report exports: CSV, filters, paging")
struct ReportHelpersTests {
    /// A strict RFC 4180 reader (CRLF rows, quoted fields), to check that what the writer produced
    /// reads back as the fields it was given.
    static func parse(_ text: String) -> [[String]] {
        let scalars = Array(text.unicodeScalars)
        var rows: [[String]] = []
        var row: [String] = []
        var field = String.UnicodeScalarView()
        var quoted = false
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if quoted {
                if scalar == "\"" {
                    if index + 1 < scalars.count, scalars[index + 1] == "\"" {
                        field.append("\"")
                        index += 1
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(scalar)
                }
            } else if scalar == "\"" && field.isEmpty {
                quoted = true
            } else if scalar == "," {
                row.append(String(field))
                field = String.UnicodeScalarView()
            } else if scalar == "\r" && index + 1 < scalars.count && scalars[index + 1] == "\n" {
                row.append(String(field))
                field = String.UnicodeScalarView()
                rows.append(row)
                row = []
                index += 1
            } else {
                field.append(scalar)
            }
            index += 1
        }
        return rows
    }

    @Test("fields are quoted only when they must be, with quotes doubled")
    func quoting() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("") == "")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("two\nlines") == "\"two\nlines\"")
        #expect(CSVWriter.field("carriage\rreturn") == "\"carriage\rreturn\"")
        #expect(CSVWriter.field("a=b") == "a=b")
    }

    @Test("cells a spreadsheet would run as a formula get a leading apostrophe", arguments: ["=", "+", "-", "@", "\t", "\r"])
    func injection(start: String) {
        let cell = start + "HYPERLINK(\"http://evil.example\")"
        let written = CSVWriter.field(cell)
        let read = ReportHelpersTests.parse(written + "\r\n")
        #expect(read == [["'" + cell]])
    }

    @Test("a leading CRLF counts as a carriage return, and unicode passes through unchanged")
    func crlfAndUnicode() {
        #expect(CSVWriter.field("\r\n=1") == "\"'\r\n=1\"")
        let names = ["Dr Zoë Ångström", "患者 山田", "🩺 clinic", "naïve, café"]
        var writer = CSVWriter()
        writer.row(names)
        #expect(Self.parse(writer.text) == [names])
        #expect(writer.text.hasSuffix("\r\n"))
        #expect(Array(writer.text.utf8).starts(with: Array("Dr Zo\u{00EB}".utf8)))
    }

    @Test("rows of awkward fields read back as written, one row per event")
    func roundTrip() {
        let rows = [
            ["index", "message"], ["1", "Denied: View record r-1 v2 — the patient has not granted this account access"],
            ["2", "a \"quoted\", comma\r\nand a line"], ["3", ""],
        ]
        var writer = CSVWriter()
        for row in rows { writer.row(row) }
        #expect(writer.rows == 4)
        #expect(Self.parse(writer.text) == rows)
    }

    @Test("filters read like the pages' placeholders; wrong values are refused before the ledger is asked")
    func filters() throws {
        let actor = "ml" + String(repeating: "ab", count: 20)
        let query = try ReportFilters.query(
            ["action": "record.view", "actor": actor, "from": "2026-11-21", "to": "2026-11-22", "patient": actor, "record": ""],
            allowing: ["action", "actor", "from", "to", "record"]
        )
        #expect(query.action == "record.view")
        #expect(query.actor?.rawValue == actor)
        let start: Int64 = 1_795_219_200_000  // 2026-11-21 00:00 UTC
        #expect(query.from == start)
        #expect(query.to == start + 86_400_000)
        #expect(query.patient == nil, "a filter the route does not offer is ignored")
        #expect(query.record == nil, "an empty value means no filter")
        #expect(PageSpec.fill(.string("{query.from}"), params: [:], query: ["from": "2026-11-21"], me: AccountAddress(actor)!) == .int(query.from!))

        #expect(throws: ReportFilters.Invalid.self) { try ReportFilters.query(["from": "21/11/2026"], allowing: ["from"]) }
        #expect(throws: ReportFilters.Invalid.self) { try ReportFilters.query(["actor": "dr.demo"], allowing: ["actor"]) }
        #expect(throws: ReportFilters.Invalid.self) { try ReportFilters.query(["from": "2026-11-22", "to": "2026-11-21"], allowing: ["from", "to"]) }
    }

    static func events(_ indexes: ClosedRange<UInt64>) -> [AuditEvent] {
        indexes.map {
            AuditEvent(
                index: $0, time: 1_795_000_000_000 + Int64($0), action: "record.view", status: .viewed, outcome: .allowed,
                message: "View record r-1", actor: AccountAddress("ml" + String(repeating: "cd", count: 20))!, actorRole: .doctor
            )
        }
    }

    @Test("an export pages through the whole history, after the last index of each page")
    func paging() async throws {
        let log = Self.events(1...25)
        var asked: [AuditQuery] = []
        let collected = try await ReportExport.collect(AuditQuery(), pageSize: 10, maxRows: 100, before: 1000) { page in
            asked.append(page)
            return .success(Array(log.filter { page.matches($0) }.prefix(page.limit)))
        }
        #expect(collected == .events(log, truncated: false))
        #expect(asked.map(\.after) == [nil, 10, 20])
        #expect(asked.allSatisfy { $0.limit == 10 })
    }

    @Test("an export stops at its bound and says it was cut only when more events matched")
    func bound() async throws {
        let log = Self.events(1...25)
        let read: (AuditQuery) -> Result<[AuditEvent], ReportExport.Refused> = { page in
            .success(Array(log.filter { page.matches($0) }.prefix(page.limit)))
        }
        let cut = try await ReportExport.collect(AuditQuery(), pageSize: 10, maxRows: 20, before: 1000) { read($0) }
        #expect(cut == .events(Array(log.prefix(20)), truncated: true))
        let exact = try await ReportExport.collect(AuditQuery(), pageSize: 10, maxRows: 25, before: 1000) { read($0) }
        #expect(exact == .events(log, truncated: false))
        // Entries sequenced after the export began are not part of it.
        let snapshot = try await ReportExport.collect(AuditQuery(), pageSize: 10, maxRows: 100, before: 13) { read($0) }
        #expect(snapshot == .events(Array(log.prefix(12)), truncated: false))
        let refused = try await ReportExport.collect(AuditQuery(), pageSize: 10, maxRows: 100, before: 1000) { _ in
            .failure(.init(reason: "the patient has not granted this auditor access"))
        }
        #expect(refused == .refused("the patient has not granted this auditor access"))
    }

    @Test("the last row of a cut export keeps the file's width and says what happened")
    func truncationRow() {
        let row = ReportExport.truncationRow(width: 14, limit: 50_000)
        #expect(row.count == ReportExport.disclosureHeader.count)
        #expect(row[0].contains("50000") && row[0].contains("Narrow the dates"))
    }
}

/// The report pages and their CSV exports through the real templates and a real ledger: a doctor
/// under a grant, another patient refused, and the patient's own reads.
@Suite("report pages and CSV exports")
struct ReportRoutesTests {
    static let day: Int64 = 86_400_000
    static let doctorName = "Dr Zoë Ångström"

    struct Story {
        let fixture: WebAuthTests.Fixture
        let patient: WebAuthTests.User
        let eve: WebAuthTests.User
        let doctor: WebAuthTests.User
        let admin: WebAuthTests.User
        /// The UTC dates of the doctor's read and, two days later, eve's refused attempt.
        let firstDay: String
        let laterDay: String
    }

    /// A user for a key the test already has (the ledger's administrator, a doctor it created).
    static func user(_ fixture: WebAuthTests.Fixture, username: String, key: P256.Signing.PrivateKey, role: Role) async throws -> WebAuthTests.User {
        let credential = try CredentialFactory.make(
            username: username, password: WebAuthTests.password, key: key, role: role, iterations: 1_000, now: fixture.ledger.clock.now,
            hasher: AuthKeyHasher(rounds: 1 << 4)
        )
        try await fixture.credentials.insert(credential)
        let authKey = Base64Coding.url(try CredentialFactory.authKey(for: credential, password: WebAuthTests.password))
        return WebAuthTests.User(key: key, credential: credential, authKey: authKey)
    }

    static func submit(_ body: some TransactionBody, by user: WebAuthTests.User, _ fixture: WebAuthTests.Fixture) async throws {
        let receipt = try await fixture.ledger.node.submit(try user.signer.sign(body, expires: fixture.ledger.clock.now + 60_000))
        #expect(receipt.contract?.allowed == true, "\(type(of: body)) was refused: \(receipt.contract?.event.message ?? "")")
    }

    /// A read that the contracts decide; returns whether it was allowed.
    static func read(_ body: some TransactionBody, by user: WebAuthTests.User, _ fixture: WebAuthTests.Fixture) async throws -> Bool {
        do {
            _ = try await fixture.ledger.node.query(try user.signer.sign(body, expires: fixture.ledger.clock.now + 60_000))
            return true
        } catch QueryError.denied {
            return false
        }
    }

    static func story() async throws -> Story {
        let ledger = try await TestLedger.make()
        let credentials = InMemoryCredentialStore()
        var configuration = WebConfiguration(secret: SymmetricKey(size: .bits256))
        configuration.authHashRounds = 1 << 4
        let web = try await WebApplication.load(node: ledger.node, credentials: credentials, configuration: configuration, logger: .init(label: "test"))
        let fixture = WebAuthTests.Fixture(ledger: ledger, credentials: credentials, web: web, root: configuration.root)

        let patient = try await WebAuthTests.user(fixture, username: "pat")
        let eve = try await WebAuthTests.user(fixture, username: "eve")
        let admin = try await user(fixture, username: "root", key: ledger.admin.key, role: .admin)
        let doctor = try await user(fixture, username: "zoe", key: P256.Signing.PrivateKey(), role: .doctor)
        let certificate = try await ledger.document("licence certificate", owner: doctor.credential.address, uploader: ledger.admin.address)
        try await submit(
            CreateAccount(publicKey: doctor.signer.payloadKey, role: .doctor, displayName: doctorName, certificate: certificate), by: admin, fixture)
        try await submit(VerifyDoctor(doctor: doctor.credential.address, decision: .approve, certificate: certificate), by: admin, fixture)
        try await submit(
            CreateGrant(id: "grant-zoe", grantee: doctor.credential.address, scope: .all, expires: ledger.clock.now + 30 * day), by: patient, fixture)

        let firstDay = LedgerTimeFormat.isoDay(ledger.clock.now)
        let doctorAllowed = try await read(ListRecords(patient: patient.credential.address), by: doctor, fixture)
        let ownAllowed = try await read(ListRecords(patient: patient.credential.address), by: patient, fixture)
        #expect(doctorAllowed && ownAllowed)
        ledger.clock.advance(millis: 2 * day)
        let laterDay = LedgerTimeFormat.isoDay(ledger.clock.now)
        let eveAllowed = try await read(ListRecords(patient: patient.credential.address), by: eve, fixture)
        #expect(!eveAllowed)
        return Story(fixture: fixture, patient: patient, eve: eve, doctor: doctor, admin: admin, firstDay: firstDay, laterDay: laterDay)
    }

    /// Signs in through the routes the browser uses; returns the session cookie.
    static func cookie(_ client: some TestClientProtocol, _ story: Story, _ user: WebAuthTests.User) async throws -> String {
        let login = try await client.execute(
            uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": user.credential.username, "authKey": user.authKey]))
        let answer = try WebAuthTests.object(login)
        let sessionKey = try #require(answer["sessionKey"] as? String)
        let expires = try #require(answer["sessionExpires"] as? Int64)
        let open = try user.signer.sign(OpenSession(sessionKey: sessionKey, expires: expires), expires: story.fixture.ledger.clock.now + 60_000)
        let session = try await client.execute(uri: "/auth/session", method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(bytes: open))
        #expect(session.status == .ok)
        return String(try #require(session.headers[.setCookie]).split(separator: ";")[0])
    }

    /// The CSV's rows as dictionaries keyed by the header.
    static func records(_ response: TestResponse) throws -> [[String: String]] {
        let rows = ReportHelpersTests.parse(String(buffer: response.body))
        let header = try #require(rows.first)
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }

    @Test("the disclosures CSV needs a patient's session: log-in for browsers, 401 for others, 403 for other roles")
    func disclosuresNeedPatient() async throws {
        let story = try await Self.story()
        try await story.fixture.app.test(.router) { client in
            let browser = try await client.execute(uri: "/patient/activity.csv?action=record.view", method: .get, headers: [.accept: "text/html"])
            #expect(browser.status == .seeOther)
            #expect(browser.headers[.location] == "/login?next=%2Fpatient%2Factivity%2Ecsv%3Faction%3Drecord%2Eview")
            let script = try await client.execute(uri: "/patient/activity.csv", method: .get)
            #expect(script.status == .unauthorized)
            let doctor = try await Self.cookie(client, story, story.doctor)
            let before = story.fixture.ledger.node.size
            let forbidden = try await client.execute(uri: "/patient/activity.csv", method: .get, headers: [.cookie: doctor])
            #expect(forbidden.status == .forbidden)
            #expect(story.fixture.ledger.node.size == before, "a refused role reads nothing from the ledger")
        }
    }

    @Test("the disclosures CSV lists others' accesses with their purpose, leaves out the patient's own, and is itself audited")
    func disclosuresCSV() async throws {
        let story = try await Self.story()
        let patient = story.patient.credential.address
        try await story.fixture.app.test(.router) { client in
            let cookie = try await Self.cookie(client, story, story.patient)
            let before = story.fixture.ledger.node.size
            let response = try await client.execute(uri: "/patient/activity.csv", method: .get, headers: [.cookie: cookie])
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/csv; charset=utf-8")
            #expect(response.headers[.cacheControl] == "no-store")
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"disclosures-\(story.laterDay).csv\"")
            #expect(String(buffer: response.body).hasPrefix(ReportExport.disclosureHeader.joined(separator: ",") + "\r\n"))
            let rows = try Self.records(response)
            #expect(!rows.contains { $0["who_account"] == patient.rawValue }, "the patient's own actions are not disclosures")

            let treatment = try #require(rows.first { $0["who_account"] == story.doctor.credential.address.rawValue && $0["action"] == "records.list" })
            #expect(treatment["who_name"] == Self.doctorName)
            #expect(treatment["who_role"] == "Doctor")
            #expect(treatment["what"] == "Listed records")
            #expect(treatment["purpose"] == "Treatment")
            #expect(treatment["basis"]?.contains("grant") == true)
            #expect(treatment["outcome"] == "allowed")
            #expect(treatment["time_utc"]?.hasPrefix(story.firstDay + "T") == true && treatment["time_utc"]?.hasSuffix("Z") == true)

            let refused = try #require(rows.first { $0["who_account"] == story.eve.credential.address.rawValue })
            #expect(refused["who_role"] == "Patient")
            #expect(refused["purpose"] == "No recognised purpose")
            #expect(refused["outcome"] == "denied")
            #expect(refused["message"]?.hasPrefix("Denied:") == true)
            #expect(rows.allSatisfy { $0["purpose"] != "Your own access" })

            let exported = try await story.fixture.ledger.store.events(entries: before..<story.fixture.ledger.node.size)
            #expect(exported.map(\.action) == [QueryEvents.transactionType])
            #expect(exported.first?.actor == patient && exported.first?.outcome == .allowed)
            #expect(response.headers[ReportExport.rowsHeader] == String(rows.count))
            #expect(response.headers[ReportExport.truncatedHeader] == "false")
        }
    }

    @Test("the disclosures CSV applies the page's filters: who, dates, action; all=true adds the patient's own")
    func disclosureFilters() async throws {
        let story = try await Self.story()
        let doctor = story.doctor.credential.address.rawValue
        try await story.fixture.app.test(.router) { client in
            let cookie = try await Self.cookie(client, story, story.patient)
            func rows(_ query: String) async throws -> [[String: String]] {
                let response = try await client.execute(uri: "/patient/activity.csv?" + query, method: .get, headers: [.cookie: cookie])
                #expect(response.status == .ok, "\(query)")
                return try Self.records(response)
            }
            let byDoctor = try await rows("actor=\(doctor)")
            #expect(!byDoctor.isEmpty && byDoctor.allSatisfy { $0["who_account"] == doctor })
            let later = try await rows("from=\(story.laterDay)&action=records.list")
            #expect(later.map { $0["who_account"] } == [story.eve.credential.address.rawValue])
            let earlier = try await rows("to=\(story.laterDay)&action=records.list")
            #expect(earlier.map { $0["who_account"] } == [doctor])
            let all = try await rows("all=true&to=\(story.laterDay)&action=records.list")
            #expect(Set(all.compactMap { $0["purpose"] }) == ["Treatment", "Your own access"])

            let badDate = try await client.execute(uri: "/patient/activity.csv?from=yesterday", method: .get, headers: [.cookie: cookie])
            #expect(badDate.status == .badRequest)
            let backwards = try await client.execute(
                uri: "/patient/activity.csv?from=\(story.laterDay)&to=\(story.firstDay)", method: .get, headers: [.cookie: cookie])
            #expect(backwards.status == .badRequest)
        }
    }

    @Test("the patient's page shows each access's purpose, flags refusals, and keeps the filters in its CSV link")
    func disclosurePage() async throws {
        let story = try await Self.story()
        try await story.fixture.app.test(.router) { client in
            let cookie = try await Self.cookie(client, story, story.patient)
            let page = try await client.execute(uri: "/patient/activity?action=records.list&to=\(story.laterDay)", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            let html = String(buffer: page.body)
            #expect(html.contains(Self.doctorName))
            #expect(html.contains("<strong>Treatment</strong>"))
            #expect(!html.contains("row-denied"), "eve's refusal is after the date filter")
            #expect(!html.contains("data-actor=\"\(story.patient.credential.address.rawValue)\""))
            #expect(html.contains("href=\"/patient/activity.csv?action=records.list&amp;actor=&amp;from=&amp;to=\(story.laterDay)\""))

            let refusals = try await client.execute(uri: "/patient/activity?from=\(story.laterDay)", method: .get, headers: [.cookie: cookie])
            let refusedHTML = String(buffer: refusals.body)
            #expect(refusedHTML.contains("row-denied"))
            #expect(refusedHTML.contains("No recognised purpose"))
            #expect(refusedHTML.contains("badge-denied\">refused"))

            // A crafted filter value cannot add a parameter to (or cut) the links that carry it on.
            let crafted = try await client.execute(uri: "/patient/activity?action=x%26all%3Dtrue%23", method: .get, headers: [.cookie: cookie])
            let craftedHTML = String(buffer: crafted.body)
            #expect(craftedHTML.contains("href=\"/patient/activity.csv?action=x%26all%3Dtrue%23&amp;actor=&amp;from=&amp;to=\""))
            #expect(!craftedHTML.contains("action=x&amp;all=true"))
        }
    }

    @Test("the transactions CSV is for administrators and applies actor, subject, action and date filters")
    func transactionsCSV() async throws {
        let story = try await Self.story()
        let patient = story.patient.credential.address.rawValue
        try await story.fixture.app.test(.router) { client in
            let anonymous = try await client.execute(uri: "/admin/transactions.csv", method: .get)
            #expect(anonymous.status == .unauthorized)
            let patientCookie = try await Self.cookie(client, story, story.patient)
            let refused = try await client.execute(uri: "/admin/transactions.csv", method: .get, headers: [.cookie: patientCookie])
            #expect(refused.status == .forbidden)

            let cookie = try await Self.cookie(client, story, story.admin)
            let before = story.fixture.ledger.node.size
            let response = try await client.execute(
                uri: "/admin/transactions.csv?action=records.list&patient=\(patient)&from=\(story.laterDay)", method: .get, headers: [.cookie: cookie])
            #expect(response.status == .ok)
            #expect(response.headers[.contentDisposition] == "attachment; filename=\"transactions-\(story.laterDay).csv\"")
            #expect(String(buffer: response.body).hasPrefix("index,time,action,what,"))
            let rows = try Self.records(response)
            #expect(rows.map { $0["actor"] } == [story.eve.credential.address.rawValue])
            #expect(rows.first?["outcome"] == "denied")
            #expect(rows.first?["time"]?.hasPrefix(story.laterDay + "T") == true)

            let byDoctor = try Self.records(try await client.execute(
                uri: "/admin/transactions.csv?actor=\(story.doctor.credential.address.rawValue)&to=\(story.laterDay)", method: .get, headers: [.cookie: cookie]))
            #expect(byDoctor.map { $0["action"] } == ["records.list"])
            #expect(byDoctor.first?["actor_name"] == Self.doctorName)

            let exported = try await story.fixture.ledger.store.events(entries: before..<story.fixture.ledger.node.size)
            #expect(exported.first?.action == QueryEvents.transactionType)
            #expect(exported.first?.actor == story.admin.credential.address)

            let page = try await client.execute(
                uri: "/admin/transactions?action=records.list&from=\(story.laterDay)&record=&patient=\(patient)", method: .get, headers: [.cookie: cookie])
            let html = String(buffer: page.body)
            #expect(html.contains("href=\"/admin/transactions.csv?actor=&amp;patient=\(patient)&amp;record=&amp;action=records.list&amp;from=\(story.laterDay)&amp;to=\""))
            #expect(html.contains("1 transaction(s)"))
        }
    }
}
