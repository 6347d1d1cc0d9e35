import Foundation
import Testing

@testable import MedLedgerCore

/// The care basis an appointment gives its doctor: from acceptance until `careFollowUpSeconds`
/// after the visit, whatever grants the patient revokes; never for a cancelled appointment.
@Suite("care basis")
struct CareBasisTests {
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    /// The standard world without records: the patient booked an appointment with the doctor an
    /// hour ahead, the doctor accepted it, and the patient granted the doctor everything and then
    /// revoked it again.
    static func acceptedThenRevoked() throws -> (world: ContractWorld, visit: Int64) {
        var world = try ContractWorld.standard(records: false)
        let visit = world.time + hour
        try world.require(BookAppointment(id: "appt-care", doctor: world.address(.doctor), time: visit), by: .patient)
        try world.require(AcceptAppointment(appointment: "appt-care"), by: .doctor)
        try world.require(CreateGrant(id: "g-care", grantee: world.address(.doctor), scope: .all), by: .patient)
        try world.require(RevokeGrant(grant: "g-care"), by: .patient)
        return (world, visit)
    }

    static func note(_ id: String, _ world: ContractWorld) -> CreateRecord {
        CreateRecord(id: id, patient: world.address(.patient), category: .visitNotes, content: cid(id))
    }

    @Test("after every grant is revoked the doctor still writes the visit's notes within the follow-up period, unflagged")
    func followUpSurvivesRevocation() throws {
        var (world, visit) = try Self.acceptedThenRevoked()
        #expect(try world.submit(Self.note("rec-before-visit", world), by: .doctor).allowed)
        world.time = visit + Self.hour
        try world.require(CompleteAppointment(appointment: "appt-care"), by: .doctor)
        world.time = visit + 7 * Self.day - 1
        let late = try world.submit(Self.note("rec-follow-up", world), by: .doctor)
        #expect(late.allowed)
        #expect(!late.event.breakGlass)
    }

    @Test("once the follow-up period after the visit is over, the completed appointment gives no basis")
    func completedAppointmentBasisEnds() throws {
        var (world, visit) = try Self.acceptedThenRevoked()
        world.time = visit + Self.hour
        try world.require(CompleteAppointment(appointment: "appt-care"), by: .doctor)
        world.time = visit + 7 * Self.day
        let before = world.state
        let outcome = try world.submit(Self.note("rec-too-late", world), by: .doctor)
        #expect(!outcome.allowed)
        #expect(outcome.event.outcome == .denied)
        #expect(world.state == before)
    }

    @Test("an accepted appointment never completed stops giving a basis at the same point")
    func acceptedAppointmentBasisEnds() throws {
        var (world, visit) = try Self.acceptedThenRevoked()
        world.time = visit + 7 * Self.day - 1
        #expect(try world.submit(Self.note("rec-in-window", world), by: .doctor).allowed)
        world.time = visit + 7 * Self.day
        #expect(!(try world.submit(Self.note("rec-after-window", world), by: .doctor).allowed))
    }

    @Test("a grant still gives a basis after the follow-up period")
    func grantOutlastsTheWindow() throws {
        var (world, visit) = try Self.acceptedThenRevoked()
        world.time = visit + 30 * Self.day
        try world.require(CreateGrant(id: "g-again", grantee: world.address(.doctor), scope: .all), by: .patient)
        #expect(try world.submit(Self.note("rec-granted", world), by: .doctor).allowed)
    }

    @Test("a cancelled appointment gives no basis")
    func cancelledAppointmentGivesNone() throws {
        var (world, _) = try Self.acceptedThenRevoked()
        try world.require(CancelAppointment(appointment: "appt-care"), by: .patient)
        #expect(!(try world.submit(Self.note("rec-cancelled", world), by: .doctor).allowed))
    }

    @Test("the system administrator sets the follow-up period; zero ends the basis at the visit")
    func followUpIsAParameter() throws {
        var (world, visit) = try Self.acceptedThenRevoked()
        try world.require(SetParameters(parameters: SystemParameters(careFollowUpSeconds: 0)), by: .systemAdmin)
        world.time = visit - 1
        #expect(try world.submit(Self.note("rec-on-the-day", world), by: .doctor).allowed)
        world.time = visit
        #expect(!(try world.submit(Self.note("rec-after-visit", world), by: .doctor).allowed))
    }

    @Test("the window's end is the visit plus the follow-up period, saturating, and absent for other statuses")
    func windowEnd() {
        let doctor = AccountAddress(uncompressedPoint: [4] + [UInt8](repeating: 1, count: 64))
        let patient = AccountAddress(uncompressedPoint: [4] + [UInt8](repeating: 2, count: 64))
        var appointment = Appointment(id: "a", patient: patient, doctor: doctor, time: 1_000, symptoms: nil, status: .completed, createdAt: 1)
        #expect(ContractState.careWindowEnd(of: appointment, followUpSeconds: 60) == 61_000)
        appointment.time = .max - 10
        #expect(ContractState.careWindowEnd(of: appointment, followUpSeconds: 60) == .max)
        #expect(ContractState.careWindowEnd(of: appointment, followUpSeconds: .max) == .max)
        for status in [AppointmentStatus.requested, .declined, .cancelled, .deleted] {
            appointment.status = status
            #expect(ContractState.careWindowEnd(of: appointment, followUpSeconds: 60) == nil)
        }
    }

    @Test("system.parameters without careFollowUpSeconds decodes to the default; out-of-range values are refused")
    func parameterDecodingAndBounds() throws {
        let old = try JSONDecoder().decode(
            SystemParameters.self, from: Data(#"{"defaultGrantSeconds":60,"maxGrantSeconds":60,"breakGlassSeconds":300}"#.utf8))
        #expect(old.careFollowUpSeconds == SystemParameters.defaultCareFollowUpSeconds)
        var world = try ContractWorld.standard(records: false)
        #expect(throws: (any Error).self) {
            try world.submit(SetParameters(parameters: SystemParameters(careFollowUpSeconds: -1)), by: .systemAdmin)
        }
        #expect(throws: (any Error).self) {
            try world.submit(SetParameters(parameters: SystemParameters(careFollowUpSeconds: SystemParameters.maxCareFollowUpSeconds + 1)), by: .systemAdmin)
        }
    }
}
