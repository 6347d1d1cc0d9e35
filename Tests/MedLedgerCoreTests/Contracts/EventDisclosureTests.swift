import MedLedgerCore
import Testing

@Suite("events shown about one patient")
struct EventDisclosureTests {
    static let alex = AccountAddress("ml" + String(repeating: "a1", count: 20))!
    static let sam = AccountAddress("ml" + String(repeating: "b2", count: 20))!
    static let doctor = AccountAddress("ml" + String(repeating: "c3", count: 20))!

    static func pageView(primary: AccountAddress, other: AccountAddress) -> AuditEvent {
        AuditEvent(
            index: 7, time: 1, action: "page.view", status: .viewed, outcome: .allowed,
            message: "View a page (view names of patients \(primary), \(other))", actor: doctor, actorRole: .doctor,
            patient: primary, doctor: doctor, otherPatients: [other], otherRecords: ["r-1"])
    }

    @Test("another patient on the same page view is left out, in the fields and in the message")
    func otherPatientLeftOut() {
        let shown = Self.pageView(primary: Self.alex, other: Self.sam).disclosed(about: Self.alex)
        #expect(shown.patient == Self.alex)
        #expect(shown.otherPatients.isEmpty)
        #expect(!shown.message.contains(Self.sam.rawValue))
        #expect(shown.message.contains(Self.alex.rawValue) && shown.message.contains("another patient"))
        #expect(shown.otherRecords == ["r-1"] && shown.index == 7 && shown.actor == Self.doctor)
    }

    @Test("a patient named second on a page view becomes the event's patient, and the first is left out")
    func secondPatientComesFirst() {
        let shown = Self.pageView(primary: Self.alex, other: Self.sam).disclosed(about: Self.sam)
        #expect(shown.patient == Self.sam && shown.otherPatients.isEmpty && !shown.message.contains(Self.alex.rawValue))
    }

    @Test("an event naming one patient is shown as it is")
    func singlePatientUnchanged() {
        let event = AuditEvent(
            index: 3, time: 1, action: "record.view", status: .viewed, outcome: .allowed, message: "View record r-1",
            actor: Self.doctor, actorRole: .doctor, patient: Self.alex, record: "r-1")
        #expect(event.disclosed(about: Self.alex) == event)
    }
}
