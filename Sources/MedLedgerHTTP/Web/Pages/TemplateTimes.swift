import MedLedgerCore

/// A domain type whose Unix-millisecond members are times: the template encoder adds a readable
/// `<member>Text` beside each of them. Declared on the type itself, so a time is shown as a time
/// because the type says so, not because the number looks like one (an entry count never does).
protocol TemplateTimes {
    /// The names of the members (as the type encodes them) that hold Unix milliseconds.
    static var timeMembers: Set<String> { get }
}

extension Grant: TemplateTimes {
    static var timeMembers: Set<String> { ["expires", "createdTime"] }
}

extension Appointment: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension RecordVersion: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension RecordTombstone: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension Dispensing: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension TallyCheck: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension AuditSignOff: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension ErasureRequest: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension ErasureDecision: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension ProfileVersion: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension LicenceChange: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension HospitalPatient: TemplateTimes {
    static var timeMembers: Set<String> { ["latestAppointment"] }
}

extension Invitation: TemplateTimes {
    static var timeMembers: Set<String> { ["expires"] }
}

extension AuditEvent: TemplateTimes {
    static var timeMembers: Set<String> { ["time"] }
}

extension Session: TemplateTimes {
    static var timeMembers: Set<String> { ["expires", "closedAt"] }
}

extension BreakGlassAccess: TemplateTimes {
    static var timeMembers: Set<String> { ["opened", "expires"] }
}
