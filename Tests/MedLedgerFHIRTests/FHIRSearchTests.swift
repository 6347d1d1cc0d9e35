import Crypto
import MedLedgerCore
import MedLedgerFHIR
import Testing

/// Search parameters are checked before anything is read: hostile values are refused with 400,
/// never trapped on.
@Suite("FHIR search parameters")
struct FHIRSearchTests {
    static let patient = P256.Signing.PrivateKey().publicKey.address

    @Test("defaults, a patient reference, categories and paging parse")
    func parsesSupported() throws {
        let search = try FHIRSearch.parse(.documentReference, query: [
            ("patient", "Patient/\(Self.patient)"), ("category", "lab_results,reports"), ("_count", "10"), ("_offset", "20"),
            ("date", "ge2024-01"), ("date", "lt2025"), ("_include", "DocumentReference:subject"),
        ])
        #expect(search.patient == Self.patient)
        #expect(search.categories == ["lab_results", "reports"])
        #expect(search.count == 10 && search.offset == 20)
        #expect(search.dates.count == 2)
        #expect(search.includes == ["DocumentReference:subject"])
        #expect(try FHIRSearch.parse(.appointment, query: []).count == FHIRSearch.defaultCount)
    }

    @Test("hostile values are refused with 400", arguments: [
        [("_count", "100000000000000000000000")], [("_count", "0")], [("_count", "-1")], [("_count", "201")],
        [("date", "2024-13-01")], [("date", "gt2024-02-30")], [("date", "2024-01-01T25:00Z")], [("date", "yesterday")],
        [("unknown", "1")], [("patient", "Patient/nobody")], [("patient", String(repeating: "a", count: 10_000))],
        [("status", "active"), ("status", "completed")], [("_offset", "x")], [("_include", "Patient:link")],
        [("name:contains", "x")], [("_id", ",,,")],
    ])
    func refusesHostile(query: [(String, String)]) {
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.documentReference, query: query) }
    }

    @Test("a lenient search leaves unknown parameters out and names them; strict refuses them")
    func lenientHandling() throws {
        let query = [("_sort", "-date"), ("status", "current")]
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.documentReference, query: query) }
        let lenient = try FHIRSearch.parse(.documentReference, query: query, lenient: true)
        #expect(lenient.ignoredParameters == ["\"_sort\""])
        #expect(lenient.statuses == ["current"])
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.documentReference, query: [("_count", "0")], lenient: true) }
    }

    @Test("Binary cannot be searched and Provenance needs a target")
    func typeRules() throws {
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.binary, query: []) }
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.provenance, query: []) }
        let search = try FHIRSearch.parse(.provenance, query: [("target", "DocumentReference/rec-1")])
        #expect(search.target?.id == "rec-1")
    }

    @Test("parameters FHIR lets servers ignore are ignored, and too many parameters are refused")
    func ignoredAndBounded() throws {
        _ = try FHIRSearch.parse(.patient, query: [("_format", "json"), ("_pretty", "true")])
        let many = (0..<40).map { ("_format", "\($0)") }
        #expect(throws: FHIRError.self) { try FHIRSearch.parse(.patient, query: many) }
    }

    @Test("date bounds read partial dates as ranges and prefixes as FHIR does")
    func dateBounds() throws {
        let year = try #require(FHIRDateBound("2024"))
        let inside = try #require(FHIRTime.millis(year: 2024, month: 6, day: 1))
        #expect(year.matches(inside))
        let after = try #require(FHIRDateBound("gt2024-05"))
        #expect(after.matches(inside))
        #expect(!(try #require(FHIRDateBound("lt2024-06-01"))).matches(inside))
        #expect(try #require(FHIRDateBound("le2024-06-01")).matches(inside))
        let zoned = try #require(FHIRDateBound("2024-06-01T02:00:00+02:00"))
        #expect(zoned.start == inside)
        #expect(FHIRDateBound("2024-06-01T02:00:00") == nil)
        #expect(FHIRDateBound(String(repeating: "9", count: 5000)) == nil)
    }
}
