import Foundation
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// Audit events as column arrays for one set-based insert into PostgreSQL's `audit_event`, and
/// the reading of its rows back into ``AuditEvent``s. The lists of further patients and records
/// travel as JSON arrays that the insert turns into `TEXT[]` (an array of arrays cannot be
/// unnested row by row).
struct AuditEventColumns: Sendable {
    let count: Int
    let indexes, times, actions, statuses, outcomes, messages, actors: PostgresColumn
    let roles, patients, doctors, auditors, records, versions, breakGlass, otherPatients, otherRecords, apps: PostgresColumn

    var isEmpty: Bool { count == 0 }

    init(_ events: [AuditEvent]) throws {
        let encoder = JSONEncoder()
        count = events.count
        indexes = .int64(events.map { Int64($0.index) })
        times = .int64(events.map(\.time))
        actions = .text(events.map(\.action))
        statuses = .text(events.map(\.status.rawValue))
        outcomes = .text(events.map(\.outcome.rawValue))
        messages = .text(events.map(\.message))
        actors = .text(events.map(\.actor.rawValue))
        roles = .text(events.map { $0.actorRole?.rawValue })
        patients = .text(events.map { $0.patient?.rawValue })
        doctors = .text(events.map { $0.doctor?.rawValue })
        auditors = .text(events.map { $0.auditor?.rawValue })
        records = .text(events.map(\.record))
        versions = .optionalInt64(events.map { $0.version.map { Int64($0) } })
        breakGlass = .bool(events.map(\.breakGlass))
        otherPatients = .text(try events.map { String(decoding: try encoder.encode($0.otherPatients.map(\.rawValue)), as: UTF8.self) })
        otherRecords = .text(try events.map { String(decoding: try encoder.encode($0.otherRecords), as: UTF8.self) })
        apps = .text(events.map(\.app))
    }

    /// The columns ``event(_:)`` reads, by position.
    static let selectColumns = """
        idx, time, action, status, outcome, message, actor, actor_role, patient, doctor, auditor, record, version, \
        break_glass, other_patients, other_records, app
        """

    /// Decodes one row selected with ``selectColumns``.
    static func event(_ row: PostgresRow) throws -> AuditEvent {
        let cells = row.makeRandomAccess()
        let index = try cells[0].decode(Int64.self)
        func corrupt(_ column: String) -> LedgerStoreError { .corrupt("audit event \(index) has a bad \(column)") }
        func text(_ position: Int) throws -> String? {
            do { return try cells[position].decode(String?.self) } catch { throw corrupt(cells[position].columnName) }
        }
        func address(_ position: Int) throws -> AccountAddress? {
            guard let value = try text(position) else { return nil }
            guard let address = AccountAddress(value) else { throw corrupt(cells[position].columnName) }
            return address
        }
        guard let status = try text(3).flatMap(EventStatus.init(rawValue:)) else { throw corrupt("status") }
        guard let outcome = try text(4).flatMap(EventOutcome.init(rawValue:)) else { throw corrupt("outcome") }
        guard let actor = try address(6) else { throw corrupt("actor") }
        var role: Role?
        if let value = try text(7) {
            guard let parsed = Role(rawValue: value) else { throw corrupt("actor_role") }
            role = parsed
        }
        let otherPatients: [AccountAddress]
        let otherRecords: [String]
        let time: Int64
        let version: Int64?
        let breakGlass: Bool
        do {
            time = try cells[1].decode(Int64.self)
            version = try cells[12].decode(Int64?.self)
            breakGlass = try cells[13].decode(Bool.self)
            otherRecords = try cells[15].decode([String].self)
            let patientNames = try cells[14].decode([String].self)
            otherPatients = try patientNames.map { name in
                guard let address = AccountAddress(name) else { throw corrupt("other_patients") }
                return address
            }
        } catch let error as LedgerStoreError {
            throw error
        } catch {
            throw corrupt("column")
        }
        return AuditEvent(
            index: UInt64(index), time: time, action: try text(2) ?? "", status: status, outcome: outcome,
            message: try text(5) ?? "", actor: actor, actorRole: role, patient: try address(8), doctor: try address(9),
            auditor: try address(10), record: try text(11), version: version.map { Int($0) }, breakGlass: breakGlass,
            otherPatients: otherPatients, otherRecords: otherRecords, app: try text(16)
        )
    }
}

extension PostgresLedgerStore {
    /// Inserts a block's events with one statement.
    static func insertEvents(_ columns: AuditEventColumns, on connection: PostgresConnection, logger: Logger) async throws {
        guard !columns.isEmpty else { return }
        try await connection.query(
            """
            INSERT INTO audit_event (idx, time, action, status, outcome, message, actor, actor_role, patient, doctor, auditor,
                record, version, break_glass, other_patients, other_records, app)
            SELECT idx, time, action, status, outcome, message, actor, role, patient, doctor, auditor, record, version, break_glass,
                ARRAY(SELECT v FROM jsonb_array_elements_text(patients_json::jsonb) WITH ORDINALITY AS a(v, n) ORDER BY n),
                ARRAY(SELECT v FROM jsonb_array_elements_text(records_json::jsonb) WITH ORDINALITY AS a(v, n) ORDER BY n), app
            FROM unnest(\(columns.indexes)::bigint[], \(columns.times)::bigint[], \(columns.actions)::text[],
                \(columns.statuses)::text[], \(columns.outcomes)::text[], \(columns.messages)::text[], \(columns.actors)::text[],
                \(columns.roles)::text[], \(columns.patients)::text[], \(columns.doctors)::text[], \(columns.auditors)::text[],
                \(columns.records)::text[], \(columns.versions)::bigint[], \(columns.breakGlass)::boolean[],
                \(columns.otherPatients)::text[], \(columns.otherRecords)::text[], \(columns.apps)::text[])
                AS w(idx, time, action, status, outcome, message, actor, role, patient, doctor, auditor, record, version,
                    break_glass, patients_json, records_json, app)
            """, logger: logger)
    }
}
