import MedLedgerCore

/// An appointment as a FHIR `Appointment`: the patient and the doctor as participants with their
/// answers, the visit's time as `start`. The symptoms the patient wrote are encrypted and read
/// only through their own audited read; they are not mapped.
public enum FHIRAppointment {
    public static func resource(_ appointment: Appointment, context: FHIRContext) -> FHIRJSON {
        .members([
            "resourceType": "Appointment",
            "id": .string(appointment.id),
            "status": .string(status(appointment.status)),
            "start": .string(FHIRTime.instant(appointment.time)),
            "participant": [
                ["actor": ["reference": .string("Patient/\(appointment.patient)")], "status": "accepted", "required": "required"],
                ["actor": ["reference": .string("Practitioner/\(appointment.doctor)")], "status": .string(doctorAnswer(appointment.status)), "required": "required"],
            ],
            "extension": [["url": .string(context.extensionURL("ledger-entry")), "valueString": .string(String(appointment.createdAt))]],
        ])
    }

    /// FHIR's appointment status for MedLedger's.
    public static func status(_ status: AppointmentStatus) -> String {
        switch status {
        case .requested: "proposed"
        case .accepted: "booked"
        case .declined, .cancelled: "cancelled"
        case .completed: "fulfilled"
        case .deleted: "entered-in-error"
        }
    }

    /// The doctor's participation status.
    static func doctorAnswer(_ status: AppointmentStatus) -> String {
        switch status {
        case .requested: "needs-action"
        case .declined: "declined"
        case .accepted, .completed, .cancelled, .deleted: "accepted"
        }
    }
}
