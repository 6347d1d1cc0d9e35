import Foundation
import GRDB
import MedLedgerCore

/// The contract side of the store: audit events and state objects, written with the block that
/// caused them and read back for queries, start-up and `verify`.
extension SQLiteLedgerStore {
    public func contractState() async throws -> ContractState {
        try await read { db in
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
        return try await read { db in
            try Self.fetchEvents(
                db, sql: "SELECT \(Self.eventColumns) FROM audit_event WHERE idx >= ? AND idx < ? ORDER BY idx",
                arguments: [Int64(clamping: range.lowerBound), Int64(clamping: range.upperBound)])
        }
    }

    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        let limit = min(max(query.limit, 0), AuditQuery.maxLimit)
        guard limit > 0 else { return [] }
        // Filters every part of the query applies to audit_event columns.
        var conditions: [String] = []
        var arguments: [(any DatabaseValueConvertible)?] = []
        func add(_ condition: String, _ value: (any DatabaseValueConvertible)?) {
            conditions.append(condition)
            arguments.append(value)
        }
        // A record or patient matches wherever the event names it: first, or among the others.
        func addNamed(_ column: String, _ others: String, _ value: String) {
            conditions.append("(e.\(column) = ? OR EXISTS (SELECT 1 FROM json_each(e.\(others)) WHERE value = ?))")
            arguments.append(value)
            arguments.append(value)
        }
        if let record = query.record { addNamed("record", "other_records", record) }
        if let patient = query.patient { addNamed("patient", "other_patients", patient.rawValue) }
        if let actor = query.actor { add("e.actor = ?", actor.rawValue) }
        if let action = query.action { add("e.action = ?", action) }
        if let excludeActor = query.excludeActor { add("e.actor != ?", excludeActor.rawValue) }
        if let breakGlass = query.breakGlass { add("e.break_glass = ?", breakGlass) }
        if let from = query.from { add("e.time >= ?", from) }
        if let to = query.to { add("e.time < ?", to) }
        if let after = query.after { add("e.idx > ?", Int64(clamping: after)) }
        let key = AuditKey.mostSelective(query)
        let filterArguments = StatementArguments(arguments)
        let filters = conditions
        return try await read { db in
            var events: [AuditEvent] = []
            var tailStart: Int64 = 0
            if let key {
                // The indexed part: walk the key's entries below the watermark, in ledger order.
                let upto = try Self.indexedUpTo(db)
                tailStart = upto
                // `k.idx > after` as well as `e.idx > after`, so paging seeks into the key's range.
                let filter = (["k.kind = ?", "k.key = ?", "k.idx < ?", "k.idx > ?"] + filters).joined(separator: " AND ")
                let sql = """
                    SELECT \(Self.eventColumns(prefix: "e.")) FROM audit_key AS k JOIN audit_event AS e ON e.idx = k.idx
                    WHERE \(filter) ORDER BY k.idx LIMIT ?
                    """
                let keyArguments: StatementArguments = [key.kind.rawValue, key.value, upto, query.after.map { Int64(clamping: $0) } ?? -1]
                events = try Self.fetchEvents(db, sql: sql, arguments: keyArguments + filterArguments + [limit], expected: min(limit, 1024))
            }
            guard events.count < limit else { return events }
            // Events above the watermark (all of them when no key applies), straight from the table.
            let filter = (["e.idx >= ?"] + filters).joined(separator: " AND ")
            let sql = "SELECT \(Self.eventColumns(prefix: "e.")) FROM audit_event AS e WHERE \(filter) ORDER BY e.idx LIMIT ?"
            let tailArguments: StatementArguments = [tailStart] + filterArguments + [limit - events.count]
            return events + (try Self.fetchEvents(db, sql: sql, arguments: tailArguments))
        }
    }

    /// Events of entries below this index have their keys in `audit_key`.
    static func indexedUpTo(_ db: Database) throws -> Int64 {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT upto FROM audit_key_state WHERE id = 0")) ?? 0
    }

    /// Indexes the keys of every event below `end` not yet indexed, once at least `batch` entries
    /// are waiting (see ``SQLiteLedgerStore/auditIndexBatch``). Runs inside the block's write
    /// transaction.
    static func indexEvents(_ db: Database, below end: Int64, batch: Int64) throws {
        let upto = try indexedUpTo(db)
        guard end - upto >= max(batch, 1) else { return }
        var keys: [(kind: Int, key: String, idx: Int64)] = []
        let rows = try Row.fetchCursor(
            db.cachedStatement(
                sql: "SELECT idx, record, patient, actor, action, other_records, other_patients FROM audit_event WHERE idx >= ? AND idx < ?"),
            arguments: [upto, end])
        while let row = try rows.next() {
            let idx: Int64 = row[0]
            for kind in AuditKey.Kind.allCases {
                if let value: String = row[kind.rawValue + 1] { keys.append((kind.rawValue, value, idx)) }
            }
            // The further records and patients the event names, each a key of its own.
            for (kind, position) in [(AuditKey.Kind.record, 5), (AuditKey.Kind.patient, 6)] {
                let first: String? = row[kind.rawValue + 1]
                for value in Set(try Self.names(row[position], index: idx)) where value != first {
                    keys.append((kind.rawValue, value, idx))
                }
            }
        }
        keys.sort { ($0.kind, $0.key, $0.idx) < ($1.kind, $1.key, $1.idx) }
        let insert = try db.cachedStatement(sql: "INSERT INTO audit_key (kind, key, idx) VALUES (?, ?, ?)")
        for key in keys { try insert.execute(arguments: [key.kind, key.key, key.idx]) }
        try db.execute(sql: "UPDATE audit_key_state SET upto = ? WHERE id = 0", arguments: [end])
    }

    public func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? {
        try await read { db in
            let upto = try Self.indexedUpTo(db)
            let entries = try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(idx) + 1, 0) FROM entry") ?? 0
            guard upto >= 0, upto <= entries else {
                return (UInt64(clamping: entries), "the audit index claims to cover entries that do not exist")
            }
            // Wrapped in a subquery: compound operators associate left, so a bare UNION ALL chain on
            // the right of EXCEPT would add its later members back.
            let firsts = AuditKey.Kind.allCases.map { kind in
                "SELECT \(kind.rawValue) AS kind, \(kind.column) AS key, idx FROM audit_event WHERE \(kind.column) IS NOT NULL AND idx < :upto"
            }
            let others = [(AuditKey.Kind.record, "other_records"), (AuditKey.Kind.patient, "other_patients")].map { kind, column in
                "SELECT \(kind.rawValue) AS kind, j.value AS key, e.idx AS idx FROM audit_event AS e, json_each(e.\(column)) AS j "
                    + "WHERE e.\(column) IS NOT NULL AND e.idx < :upto"
            }
            let expected = "SELECT kind, key, idx FROM (" + (firsts + others).joined(separator: " UNION ALL ") + ")"
            let stored = "SELECT kind, key, idx FROM audit_key"
            let beyond = "SELECT kind, key, idx FROM audit_key WHERE idx >= :upto"
            let checks = [
                ("\(beyond) ORDER BY idx LIMIT 1", "is in the audit index above its watermark"),
                ("SELECT kind, key, idx FROM (\(expected) EXCEPT \(stored)) ORDER BY idx LIMIT 1", "is missing from the audit index"),
                ("SELECT kind, key, idx FROM (\(stored) EXCEPT \(expected)) ORDER BY idx LIMIT 1", "is in the audit index but not in the event"),
            ]
            for (sql, reason) in checks {
                if let row = try Row.fetchOne(db, sql: sql, arguments: ["upto": upto]) {
                    let kind = AuditKey.Kind(rawValue: row[0]).map { "\($0)" } ?? "key"
                    let idx: Int64 = row[2]
                    return (UInt64(clamping: idx), "its \(kind) key \(reason)")
                }
            }
            return nil
        }
    }

    static func writeEvents(_ db: Database, _ events: [AuditEvent]) throws {
        guard !events.isEmpty else { return }
        let insert = try db.cachedStatement(sql: """
            INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, actor_role, patient, doctor,
                auditor, record, version, break_glass, other_patients, other_records, app)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        for event in events {
            try insert.execute(arguments: [
                Int64(event.index), event.time, event.action, event.status.rawValue, event.outcome.rawValue, event.message,
                event.actor.rawValue, event.actorRole?.rawValue, event.patient?.rawValue, event.doctor?.rawValue,
                event.auditor?.rawValue, event.record, event.version, event.breakGlass,
                try namesColumn(event.otherPatients.map(\.rawValue)), try namesColumn(event.otherRecords), event.app,
            ])
        }
    }

    static func writeChanges(_ db: Database, _ changes: [StateDocument]) throws {
        guard !changes.isEmpty else { return }
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO state_object (kind, id, document) VALUES (?, ?, ?)
            ON CONFLICT (kind, id) DO UPDATE SET document = excluded.document
            """)
        for document in changes {
            try upsert.execute(arguments: [document.key.kind.rawValue, document.key.id, Data(document.bytes)])
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
    static let eventColumns = eventColumns(prefix: "")

    static func eventColumns(prefix: String) -> String {
        [
            "idx", "time", "action", "status", "outcome", "message", "actor", "actor_role", "patient", "doctor", "auditor", "record", "version",
            "break_glass", "other_patients", "other_records", "app",
        ].map { prefix + $0 }.joined(separator: ", ")
    }

    /// The `other_patients` / `other_records` column of a list of names: a JSON array of strings,
    /// NULL when empty (so events naming one patient and record are stored exactly as before).
    static func namesColumn(_ names: [String]) throws -> String? {
        guard !names.isEmpty else { return nil }
        return String(decoding: try JSONEncoder().encode(names), as: UTF8.self)
    }

    /// The names a `namesColumn` value holds; empty for NULL.
    static func names(_ column: String?, index: Int64) throws -> [String] {
        guard let column else { return [] }
        guard let names = try? JSONDecoder().decode([String].self, from: Data(column.utf8)) else {
            throw LedgerStoreError.corrupt("audit event \(index) has a bad list of further patients or records")
        }
        return names
    }

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
        var otherPatients: [AccountAddress] = []
        for text in try names(row[14], index: index) {
            guard let address = AccountAddress(text) else { throw corrupt("other_patients") }
            otherPatients.append(address)
        }
        return AuditEvent(
            index: UInt64(index), time: row[1], action: row[2], status: status, outcome: outcome,
            message: row[5], actor: actor, actorRole: role, patient: try address(8, "patient"),
            doctor: try address(9, "doctor"), auditor: try address(10, "auditor"), record: row[11],
            version: row[12], breakGlass: row[13], otherPatients: otherPatients, otherRecords: try names(row[15], index: index),
            app: row[16]
        )
    }

}

/// A secondary key of an audit event, as `audit_key` stores it.
struct AuditKey {
    /// Which column the key comes from; the raw value is stored, and is the column's position after
    /// `idx` in ``SQLiteLedgerStore/indexEvents(_:below:batch:)``'s select.
    enum Kind: Int, CaseIterable, CustomStringConvertible {
        case record, patient, actor, action

        var column: String {
            switch self {
            case .record: "record"
            case .patient: "patient"
            case .actor: "actor"
            case .action: "action"
            }
        }

        var description: String { column }
    }

    let kind: Kind
    let value: String

    /// The key that narrows `query` most (a record's trail is smaller than its patient's events,
    /// which are fewer than an actor's or an action's), or nil when the query names none.
    static func mostSelective(_ query: AuditQuery) -> AuditKey? {
        if let record = query.record { return AuditKey(kind: .record, value: record) }
        if let patient = query.patient { return AuditKey(kind: .patient, value: patient.rawValue) }
        if let actor = query.actor { return AuditKey(kind: .actor, value: actor.rawValue) }
        if let action = query.action { return AuditKey(kind: .action, value: action) }
        return nil
    }
}
