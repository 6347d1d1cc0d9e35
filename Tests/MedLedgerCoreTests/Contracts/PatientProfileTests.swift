import Foundation
import Testing

@testable import MedLedgerCore

@Suite("patient profile: the document's fields, their ranges and enumerations")
struct PatientProfileTests {
    func check(_ text: String) -> String? {
        do throws(PatientProfileError) {
            try PatientProfile.validate(Array(text.utf8))
            return nil
        } catch {
            return error.description
        }
    }

    @Test("a complete clinical profile is accepted")
    func complete() {
        #expect(
            check(
                #"{"name":"Alex Demo","birthDate":"1985-04-12","phone":"+1 555 0101","address":"1 Main St\nTown","emergencyContact":"Sam","#
                    + #""gender":"female","weightKg":71.5,"heightCm":168,"bloodType":"AB-","allergies":"penicillin","medications":"none","#
                    + #""conditions":"asthma"}"#) == nil)
        #expect(check("{}") == nil)
    }

    @Test(
        "values out of range or outside their lists are refused, naming the field",
        arguments: [
            (#"{"weightKg":0}"#, "weight"), (#"{"weightKg":701}"#, "weight"), (#"{"weightKg":"70"}"#, "weight"),
            (#"{"heightCm":19.9}"#, "height"), (#"{"heightCm":281}"#, "height"), (#"{"bloodType":"C+"}"#, "blood type"),
            (#"{"bloodType":"a+"}"#, "blood type"), (#"{"gender":"robot"}"#, "gender"), (#"{"birthDate":"1985-02-30"}"#, "date of birth"),
            (#"{"birthDate":"12/04/1985"}"#, "date of birth"), (#"{"birthDate":"1700-01-01"}"#, "date of birth"),
            (#"{"name":""}"#, "name"), (#"{"name":"a\u0007b"}"#, "control"), (#"{"allergies":["penicillin"]}"#, "allergies"),
            (#"{"religion":"none"}"#, "unknown field"), (#"{"name":"a","name":"b"}"#, "not valid JSON"), (#"["name"]"#, "JSON object"),
            ("not json", "not valid JSON"),
        ])
    func refused(text: String, mentions: String) {
        let message = check(text)
        #expect(message?.contains(mentions) == true, "\(text): \(message ?? "accepted")")
    }

    @Test("free text keeps line breaks; a short field does not")
    func lineBreaks() {
        #expect(check(#"{"allergies":"penicillin\nlatex"}"#) == nil)
        #expect(check(#"{"phone":"+1\n555"}"#) != nil)
    }

    /// Unix milliseconds of a UTC date.
    static func utc(_ year: Int, _ month: Int, _ day: Int) -> Int64? {
        var components = DateComponents()
        components.timeZone = TimeZone(identifier: "UTC")
        components.year = year
        components.month = month
        components.day = day
        guard let date = Calendar(identifier: .gregorian).date(from: components) else { return nil }
        return Int64(date.timeIntervalSince1970 * 1000)
    }

    @Test("age is whole years in UTC, never negative, and nil for a non-date")
    func age() throws {
        let day = try #require(Self.utc(2026, 4, 12))
        #expect(PatientProfile.age(birthDate: "1985-04-12", at: day) == 41)
        #expect(PatientProfile.age(birthDate: "1985-04-13", at: day) == 40)
        #expect(PatientProfile.age(birthDate: "2026-04-12", at: day) == 0)
        #expect(PatientProfile.age(birthDate: "2026-04-13", at: day) == nil)
        #expect(PatientProfile.age(birthDate: "1985-13-01", at: day) == nil)
    }
}
