extension AuditEvent {
    /// The event as someone reading the events about `patient` is shown it: the other patients a
    /// page view also named are left out, and where the message names them it says "another
    /// patient". A patient's accounting of disclosures shows who saw *their* records, never who
    /// else was on the same screen. The ledger entry itself is unchanged (audit bundles and the
    /// tally check read the stored events).
    public func disclosed(about patient: AccountAddress) -> AuditEvent {
        let others = patients.filter { $0 != patient }
        guard !others.isEmpty else { return self }
        var shown = self
        shown.patient = names(patient: patient) ? patient : nil
        shown.otherPatients = []
        for other in others {
            shown.message = shown.message.replacingOccurrences(of: other.rawValue, with: "another patient")
        }
        return shown
    }
}
