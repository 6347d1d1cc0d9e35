import Foundation
import MedLedgerCore
import Testing

@testable import MedLedgerHTTP

@Suite("web helpers: page placeholders, template values, content display, CSV")
struct WebHelpersTests {
    static let me = AccountAddress("ml" + String(repeating: "ab", count: 20))!

    @Test("placeholders take path, query and session values; empty ones drop their member")
    func placeholders() throws {
        let body: JSONValue = .object([
            "patient": .string("{patient}"), "mine": .string("{me}"),
            "query": .object(["action": .string("{query.action}"), "after": .string("{query.after}"), "from": .string("{query.from}")]),
            "limit": .int(50),
        ])
        let filled = try #require(PageSpec.fill(body, params: ["patient": "ml01"], query: ["after": "42", "action": "", "from": "2026-11-21"], me: Self.me))
        #expect(filled["patient"] == .string("ml01"))
        #expect(filled["mine"] == .string(Self.me.rawValue))
        #expect(filled["limit"] == .int(50))
        #expect(filled["query"]?["after"] == .int(42))
        #expect(filled["query"]?["action"] == nil)
        #expect(filled["query"]?["from"] == .int(1_795_219_200_000))
    }

    @Test("date and datetime-local values read as UTC; anything else is not a time")
    func times() {
        let morning: Int64 = 1_795_219_200_000 + 570 * 60_000
        #expect(PageSpec.time("2026-11-21T09:30") == morning)
        #expect(PageSpec.time("2026-11-21") == 1_795_219_200_000)
        #expect(PageSpec.time("2026-11") == nil)
        #expect(PageSpec.time("rec-2026-11-21") == nil)
    }

    @Test("template values gain readable times where the type declares them, enum flags, words and names")
    func templateValues() throws {
        var values = TemplateValue()
        values.accounts[Self.me] = Account(address: Self.me, publicKey: "k", role: .doctor, status: .active, displayName: "Dr Ada", createdAt: 1)
        let patient = AccountAddress("ml" + String(repeating: "cd", count: 20))!
        let appointment = Appointment(
            id: "a-1", patient: patient, doctor: Self.me, time: 1_795_219_200_000, symptoms: nil, createdAt: 1_795_219_200_001)
        let converted = try #require(values.convert(appointment) as? [String: Any])
        #expect(converted["status_requested"] as? Bool == true)
        #expect(converted["timeText"] as? String == "21 Nov 2026, 00:00 UTC")
        // An entry index is never a time, however large.
        #expect(converted["createdAt"] as? Int == 1_795_219_200_001)
        #expect(converted["createdAtText"] == nil)
        #expect(converted["doctorName"] as? String == "Dr Ada")
        #expect(converted["patientName"] == nil)
        #expect(converted["symptoms"] == nil)
        // A string that looks like an address is only text: names go beside typed addresses alone.
        let note = try #require(values.convert(["doctor": Self.me.rawValue]) as? [String: Any])
        #expect(note["doctorName"] == nil)
        let grant = Grant(
            id: "g-1", patient: patient, grantee: Self.me, scope: .category(.labResults), expires: 1_795_219_200_000, oneTime: false,
            createdAt: 3, createdTime: 1_795_219_100_000)
        let shown = try #require(values.convert([grant]) as? [[String: Any]]).first
        #expect(shown?["expiresText"] as? String == "21 Nov 2026, 00:00 UTC")
        #expect(shown?["createdTimeText"] != nil)
        #expect(shown?["granteeName"] as? String == "Dr Ada")
        let scope = shown?["scope"] as? [String: Any]
        #expect(scope?["kind_category"] as? Bool == true)
        #expect(scope?["categoryLabel"] as? String == RecordCategory.labResults.label)
    }

    @Test("every member a type declares a time is one it encodes")
    func declaredTimesExist() throws {
        let values = TemplateValue()
        let someone = Self.me
        let samples: [(Set<String>, Any)] = [
            (Grant.timeMembers, try values.convert(Grant(
                id: "g", patient: someone, grantee: someone, scope: .all, expires: 1, oneTime: false, createdAt: 1, createdTime: 1))),
            (Appointment.timeMembers, try values.convert(Appointment(id: "a", patient: someone, doctor: someone, time: 1, symptoms: nil, createdAt: 1))),
            (AuditEvent.timeMembers, try values.convert(AuditEvent(
                index: 1, time: 1, action: "record.view", status: .viewed, outcome: .allowed, message: "m", actor: someone, actorRole: .doctor))),
            (HospitalPatient.timeMembers, try values.convert(HospitalPatient(patient: someone, grants: 1, appointments: 1, latestAppointment: 1))),
        ]
        for (members, converted) in samples {
            let keys = Set((converted as? [String: Any] ?? [:]).keys)
            #expect(members.isSubset(of: keys), "declared \(members), encoded \(keys)")
        }
    }

    @Test("content shows as fields, text or a file")
    func contentDisplay() {
        let document = ContentDisplay.context(for: Array(#"{"treatmentPlan":"Rest","title":"Visit"}"#.utf8))
        let fields = document["fields"] as? [[String: Any]]
        #expect(fields?.map { $0["name"] as? String } == ["Title", "Treatment plan"])
        #expect(ContentDisplay.context(for: Array("plain note".utf8))["text"] as? String == "plain note")
        let pdf = ContentDisplay.context(for: Array("%PDF-1.4".utf8) + [0, 1, 2])
        #expect((pdf["binary"] as? [String: Any])?["mediaType"] as? String == "application/pdf")
    }

    @Test("a profile shows its age (never stored), clinical fields flagged and in words, and form values as saved")
    func profileDisplay() {
        let april2026 = Int64(1_776_000_000_000)  // 12 Apr 2026, 13:20 UTC
        let profile = Array(#"{"name":"Alex","birthDate":"1985-04-12","bloodType":"AB-","weightKg":72,"heightCm":168.5,"gender":"undisclosed"}"#.utf8)
        let shown = ContentDisplay.context(for: profile, now: april2026)
        let fields = shown["fields"] as? [[String: Any]] ?? []
        #expect(fields.map { $0["name"] as? String } == ["Name", "Date of birth", "Age", "Gender", "Blood type", "Weight (kg)", "Height (cm)"])
        let text = Dictionary(uniqueKeysWithValues: fields.compactMap { field in (field["key"] as? String).map { ($0, field["value"] as? String) } })
        #expect(text["age"] == "41 years" && text["birthDate"] == "12 Apr 1985" && text["bloodType"] == "AB−")
        #expect(text["gender"] == "Prefer not to say" && text["weightKg"] == "72" && text["heightCm"] == "168.5")
        #expect(fields.filter { $0["clinical"] as? Bool == true }.count == 4 && shown["hasClinical"] as? Bool == true)
        let values = shown["values"] as? [String: Any]
        #expect(values?["bloodType"] as? String == "AB-" && values?["weightKg"] as? String == "72" && values?["birthDate"] as? String == "1985-04-12")
        // Without a clock (a record's content), no age is added.
        #expect((ContentDisplay.context(for: profile)["fields"] as? [[String: Any]])?.contains { $0["key"] as? String == "age" } == false)
    }

    @Test("CSV fields are quoted and spreadsheet formulas defused")
    func csv() {
        #expect(CSVWriter.field("plain") == "plain")
        #expect(CSVWriter.field("a,b") == "\"a,b\"")
        #expect(CSVWriter.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSVWriter.field("=SUM(A1)") == "'=SUM(A1)")
    }

    @Test("the activity chart is labelled for screen readers and draws one bar pair per day")
    func chart() {
        let svg = ActivityChart(labels: ["11-20", "11-21"], allowed: [3, 0], denied: [1, 2]).svg()
        #expect(svg.contains(#"role="img""#))
        #expect(svg.contains("6 transactions, of which 3 denied."))
        #expect(svg.components(separatedBy: "<rect").count - 1 == 4 + 2)
    }
}
