/// Checks that a record's audit trail tallies with the record as stored: every stored version was
/// written by an allowed event at the entry the version names, every allowed write on the trail
/// produced the version it claims, and a deletion has its event. Auditors run it before recording
/// a tally; it is pure, so anyone holding the trail and the record can run it again.
public enum TrailReconciliation {
    /// The writes that make versions.
    public static let writes: Set<String> = [CreateRecord.transactionType, AddDocument.transactionType, UpdateRecord.transactionType]

    /// The discrepancies found; empty when the trail tallies.
    public static func discrepancies(record: MedicalRecord, trail: [AuditEvent]) -> [String] {
        var found: [String] = []
        let events = trail.filter { $0.names(record: record.id) }
        let byIndex = Dictionary(events.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        for version in record.versions {
            guard let event = byIndex[version.entry] else {
                found.append("Version \(version.number) names entry \(version.entry), which is not on the trail.")
                continue
            }
            if event.outcome != .allowed || !writes.contains(event.action) || event.version != version.number {
                found.append("Entry \(version.entry) does not record the writing of version \(version.number).")
            }
        }
        let stored = Dictionary(record.versions.map { ($0.entry, $0.number) }, uniquingKeysWith: { first, _ in first })
        for event in events where event.outcome == .allowed && writes.contains(event.action) {
            if stored[event.index] != event.version {
                found.append("Entry \(event.index) wrote version \(event.version.map(String.init) ?? "?"), which the record does not hold.")
            }
        }
        if let tombstone = record.deleted {
            let deletion = byIndex[tombstone.entry]
            if deletion?.outcome != .allowed || deletion?.action != DeleteRecord.transactionType {
                found.append("The deletion names entry \(tombstone.entry), which does not record it.")
            }
        }
        for (earlier, later) in zip(events, events.dropFirst()) where later.index <= earlier.index || later.time < earlier.time {
            found.append("Entries \(earlier.index) and \(later.index) are out of order.")
        }
        return found
    }
}
