import Foundation
import GRDB
import MedLedgerCore

/// The contract side of the store: audit events and state objects, written with the block that
/// caused them and read back for queries, start-up and `verify`.
extension SQLiteLedgerStore {
    public func contractState() async throws -> ContractState {
        try readNow { db in
            let rows = try Row.fetchCursor(db, sql: "SELECT kind, id, document FROM state_object ORDER BY kind, id")
            var objects: [StateObject] = []
            while let row = try rows.next() {
                let kindText: String = row[0]
                let id: String = row[1]
                guard let kind = StateKind(rawValue: kindText) else { throw LedgerStoreError.corrupt("state object kind \(kindText)") }
                let object: StateObject
                do {
                    object = try StateObject.decode(kind: kind, document: [UInt8](row[2] as Data))
                } catch {
                    throw LedgerStoreError.corrupt("state object \(kindText) \(id) is not a valid document")
                }
                guard object.key == StateKey(kind: kind, id: id) else {
                    throw LedgerStoreError.corrupt("state object \(kindText) \(id) is stored under the wrong key")
                }
                objects.append(object)
            }
            return ContractState(objects: objects)
        }
    }

    public func events(entries range: Range<UInt64>) async throws -> [AuditEvent] {
        guard !range.isEmpty else { return [] }
        return try readNow { db in
            try Self.fetchEvents(
                db, sql: "SELECT \(Self.eventColumns) FROM audit_event WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(clamping: range.lowerBound), Int64(clamping: range.upperBound)])
        }
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            conditions.append(condition)
            arguments.append(value)
        }
        if let record = query.record { add("record = ?", record) }
        if let patient = query.patient { add("patient = ?", patient.rawValue) }
        if let actor = query.actor { add("actor = ?", actor.rawValue) }
        if let action = query.action { add("action = ?", action) }
        if let breakGlass = query.breakGlass { add("break_glass = ?", breakGlass) }
        if let from = query.from { add("time >= ?", from) }
        if let to = query.to { add("time < ?", to) }
        if let after = query.after { add("idx > ?", Int64(clamping: after)) }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments.append(min(max(query.limit, 0), AuditQuery.maxLimit))
        let sql = "SELECT \(Self.eventColumns) FROM audit_event \(filter) ORDER BY idx LIMIT ?"
        return try readNow { db in
            try Self.fetchEvents(db, sql: sql, arguments: StatementArguments(arguments), expected: min(query.limit, 1024))
        }
    }

    static func writeEvents(_ db: Database, _ events: [AuditEvent]) throws {
        guard !events.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, actor_role, patient, doctor,
                auditor, record, version, break_glass) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            try insert.execute(arguments: [
                Int64(event.index), event.time, event.action, event.status.rawValue, event.outcome.rawValue, event.message,
                event.actor.rawValue, event.actorRole?.rawValue, event.patient?.rawValue, event.doctor?.rawValue,
                event.auditor?.rawValue, event.record, event.version, event.breakGlass,
            ])
        }
    }

    static func writeChanges(_ db: Database, _ changes: [StateObject]) throws {
        guard !changes.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO state_object (kind, id, document) VALUES (?, ?, ?)
            ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document
            """)
        for object in changes {
            let key = object.key
            try upsert.execute(arguments: [key.kind.rawValue, key.id, Data(try object.document())])
        }
    }

    static func fetchEvents(_ db: Database, sql: String, arguments: StatementArguments, expected: Int = 0) throws -> [AuditEvent] {
        let rows = try Row.fetchCursor(db.cachedStatement(sql: sql), arguments: arguments)
        var events: [AuditEvent] = []
        events.reserveCapacity(expected)
        while let row = try rows.next() { events.append(try event(row)) }
        return events
    }

    /// The columns ``event(_:)`` reads, by position (name lookups cost more than the row itself).
    static let eventColumns = "idx, time, action, status, outcome, message, actor, actor_role, patient, doctor, auditor, record, version, break_glass"

    private static func event(_ row: Row) throws -> AuditEvent {
        let index: Int64 = row[0]
        func corrupt(_ column: String) -> LedgerStoreError { .corrupt("audit event \(index) has a bad \(column)") }
        func address(_ position: Int, _ column: String) throws -> AccountAddress? {
            guard let text: String = row[position] else { return nil }
            guard let address = AccountAddress(text) else { throw corrupt(column) }
            return address
        }
        guard let status = EventStatus(rawValue: row[3]) else { throw corrupt("status") }
        guard let outcome = EventOutcome(rawValue: row[4]) else { throw corrupt("outcome") }
        guard let actor = try address(6, "actor") else { throw corrupt("actor") }
        var role: Role?
        if let text: String = row[7] {
            guard let parsed = Role(rawValue: text) else { throw corrupt("actor_role") }
            role = parsed
        }
        return AuditEvent(
            index: UInt64(index), time: row[1], action: row[2], status: status, outcome: outcome,
            message: row[5], actor: actor, actorRole: role, patient: try address(8, "patient"),
            doctor: try address(9, "doctor"), auditor: try address(10, "auditor"), record: row[11],
            version: row[12], breakGlass: row[13]
        )
    }

}
