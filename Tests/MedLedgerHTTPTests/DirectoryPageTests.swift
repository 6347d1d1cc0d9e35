import Foundation
import MedLedgerCore
import Testing

@testable import MedLedgerHTTP

/// The web side of the directory and of names: how a search form's query string is read, and how
/// a names read's answer shows beside addresses.
@Suite("directory and names on pages")
struct DirectoryPageTests {
    static let patient = AccountAddress("ml" + String(repeating: "cd", count: 20))!

    @Test("a GET form's query string: plus is a space, escapes decode, a bad escape stays as sent, the first value wins")
    func formQuery() {
        let query = PageController<MedLedgerRequestContext>.formQuery("find=demo+general&findRole=auditor&find=other&plus=a%2Bb&bad=%zz&empty=&=x")
        #expect(query["find"] == "demo general")
        #expect(query["findRole"] == "auditor")
        #expect(query["plus"] == "a+b")
        #expect(query["bad"] == "%zz")
        #expect(query["empty"] == "")
        #expect(query[""] == nil)
        #expect(PageController<MedLedgerRequestContext>.formQuery(nil).isEmpty)
    }

    @Test("a patient's name from a names read shows as <key>Name; a patient without one keeps only the id")
    func namesBesideAddresses() throws {
        let other = AccountAddress("ml" + String(repeating: "ef", count: 20))!
        let values = TemplateValue(accounts: [:], names: [Self.patient: "Alex Demo"])
        let converted = try #require(values.convert([
            HospitalPatient(patient: Self.patient, grants: 1, appointments: 0), HospitalPatient(patient: other, grants: 1, appointments: 0),
        ]) as? [[String: Any]])
        #expect(converted[0]["patientName"] as? String == "Alex Demo")
        #expect(converted[1]["patientName"] == nil)
    }
}
