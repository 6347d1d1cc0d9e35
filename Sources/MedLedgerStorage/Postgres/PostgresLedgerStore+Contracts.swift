import Foundation
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// The contract side of the PostgreSQL store: state objects, audit events and their queries.
extension PostgresLedgerStore {
    public func contractState() async throws -> ContractState {
        try await connection(deadline: Self.stateDeadline) { connection in
            let rows = try await connection.query("SELECT kind, id, document FROM state_object ORDER BY kind, id", logger: logger)
            return ContractState(objects: try await Self.objects(rows))
        }
    }

    /// Decodes `kind, id, document` rows into state objects, refusing any stored under a key
    /// that is not its own.
    static func objects(_ rows: PostgresRowSequence) async throws -> [StateObject] {
        var objects: [StateObject] = []
        for try await (kindText, id, document) in rows.decode((String, String, ByteBuffer).self) {
            guard let kind = StateKind(rawValue: kindText) else { throw LedgerStoreError.corrupt("state object kind \(kindText)") }
            let object: StateObject
            do {
                object = try StateObject.decode(kind: kind, document: Array(document.readableBytesView))
            } catch {
                throw LedgerStoreError.corrupt("state object \(kindText) \(id) is not a valid document")
            }
            guard object.key == StateKey(kind: kind, id: id) else {
                throw LedgerStoreError.corrupt("state object \(kindText) \(id) is stored under the wrong key")
            }
            objects.append(object)
        }
        return objects
    }

    public func events(entries range: Range<UInt64>) async throws -> [AuditEvent] {
        guard !range.isEmpty else { return [] }
        let lower = Int64(clamping: range.lowerBound)
        let upper = Int64(clamping: range.upperBound)
        return try await connection { connection in
            try await Self.fetchEvents(
                connection.query(
                    PostgresQuery(
                        unsafeSQL: "SELECT \(AuditEventColumns.selectColumns) FROM audit_event WHERE idx >= $1 AND idx < $2 ORDER BY idx",
                        binds: Self.bindings(lower, upper)),
                    logger: logger))
        }
    }

    /// Every filter is a condition on `audit_event`; PostgreSQL picks the index (B-tree on the
    /// single keys, GIN on the further patients and records) and walks it in ledger order.
    public func events(_ query: AuditQuery) async throws -> [AuditEvent] {
        let limit = min(max(query.limit, 0), AuditQuery.maxLimit)
        guard limit > 0 else { return [] }
        var conditions: [String] = []
        var binds = PostgresBindings()
        func bind(_ value: some PostgresDynamicTypeEncodable) -> String {
            binds.append(value)
            return "$\(binds.count)"
        }
        // A record or patient matches wherever the event names it: first, or among the others.
        if let record = query.record {
            let placeholder = bind(record)
            conditions.append("(record = \(placeholder) OR other_records @> ARRAY[\(placeholder)::text])")
        }
        if let patient = query.patient {
            let placeholder = bind(patient.rawValue)
            conditions.append("(patient = \(placeholder) OR other_patients @> ARRAY[\(placeholder)::text])")
        }
        if let actor = query.actor { conditions.append("actor = \(bind(actor.rawValue))") }
        if let action = query.action { conditions.append("action = \(bind(action))") }
        if let excludeActor = query.excludeActor { conditions.append("actor <> \(bind(excludeActor.rawValue))") }
        if let breakGlass = query.breakGlass { conditions.append("break_glass = \(bind(breakGlass))") }
        if let from = query.from { conditions.append("time >= \(bind(from))") }
        if let to = query.to { conditions.append("time < \(bind(to))") }
        if let after = query.after { conditions.append("idx > \(bind(Int64(clamping: after)))") }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(AuditEventColumns.selectColumns) FROM audit_event \(filter) ORDER BY idx LIMIT \(bind(Int64(limit)))"
        let statement = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await connection { connection in
            try await Self.fetchEvents(connection.query(statement, logger: logger))
        }
    }

    /// PostgreSQL maintains the audit indexes itself, in the block's transaction, so there is no
    /// watermark or key table to disagree with the events. What can still go wrong is the pairing of
    /// events with entries: an event whose entry is missing, or events beyond the latest checkpoint.
    /// Whether each contract entry has its event is checked by `verify`, which re-runs the contracts.
    public func firstAuditIndexFault() async throws -> (index: UInt64, reason: String)? {
        try await connection { connection in
            let orphans = try await connection.query(
                """
                SELECT MIN(a.idx) FROM audit_event AS a LEFT JOIN entry AS e ON e.idx = a.idx WHERE e.idx IS NULL
                """, logger: logger)
            for try await index in orphans.decode(Int64?.self) {
                if let index { return (UInt64(clamping: index), "its audit event has no entry") }
            }
            let beyond = try await connection.query(
                """
                SELECT MIN(a.idx) FROM audit_event AS a
                WHERE a.idx >= COALESCE((SELECT MAX(size) FROM checkpoint), 0)
                """, logger: logger)
            for try await index in beyond.decode(Int64?.self) {
                if let index { return (UInt64(clamping: index), "its audit event lies beyond the latest checkpoint") }
            }
            return nil
        }
    }

    static func fetchEvents(_ rows: PostgresRowSequence) async throws -> [AuditEvent] {
        var events: [AuditEvent] = []
        for try await row in rows { events.append(try AuditEventColumns.event(row)) }
        return events
    }

    static func bindings(_ values: Int64...) -> PostgresBindings {
        var binds = PostgresBindings(capacity: values.count)
        for value in values { binds.append(value) }
        return binds
    }
}
