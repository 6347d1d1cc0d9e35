import Foundation
import Logging
import MedLedgerCore
import NIOCore
import PostgresNIO

/// Audit events as column arrays for one set-based insert into PostgreSQL's `audit_event`, and
/// the reading of its rows back into ``AuditEvent``s.
///
/// postgres-nio binds arrays without NULL elements, so the optional columns travel as plain
/// values with a bit mask saying which are present, and the lists of further patients and
/// records as JSON arrays that the insert turns into `TEXT[]`.
struct AuditEventColumns: Sendable {
    var indexes: [Int64] = []
    var times: [Int64] = []
    var actions: [String] = []
    var statuses: [String] = []
    var outcomes: [String] = []
    var messages: [String] = []
    var actors: [String] = []
    var roles: [String] = []
    var patients: [String] = []
    var doctors: [String] = []
    var auditors: [String] = []
    var records: [String] = []
    var versions: [Int64] = []
    var breakGlass: [Bool] = []
    var otherPatients: [String] = []
    var otherRecords: [String] = []
    /// Which optional columns each row has: bit 0 role, 1 patient, 2 doctor, 3 auditor, 4 record, 5 version.
    var present: [Int64] = []

    var isEmpty: Bool { indexes.isEmpty }

    init(_ events: [AuditEvent]) throws {
        let encoder = JSONEncoder()
        for event in events {
            var mask: Int64 = 0
            func optional(_ value: String?, _ bit: Int64) -> String {
                guard let value else { return "" }
                mask |= bit
                return value
            }
            indexes.append(Int64(event.index))
            times.append(event.time)
            actions.append(event.action)
            statuses.append(event.status.rawValue)
            outcomes.append(event.outcome.rawValue)
            messages.append(event.message)
            actors.append(event.actor.rawValue)
            roles.append(optional(event.actorRole?.rawValue, 1))
            patients.append(optional(event.patient?.rawValue, 2))
            doctors.append(optional(event.doctor?.rawValue, 4))
            auditors.append(optional(event.auditor?.rawValue, 8))
            records.append(optional(event.record, 16))
            if event.version != nil { mask |= 32 }
            versions.append(Int64(event.version ?? 0))
            breakGlass.append(event.breakGlass)
            otherPatients.append(String(decoding: try encoder.encode(event.otherPatients.map(\.rawValue)), as: UTF8.self))
            otherRecords.append(String(decoding: try encoder.encode(event.otherRecords), as: UTF8.self))
            present.append(mask)
        }
    }

    /// The columns ``event(_:)`` reads, by position.
    static let selectColumns = """
        idx, time, action, status, outcome, message, actor, actor_role, patient, doctor, auditor, record, version, \
        break_glass, other_patients, other_records
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
            otherPatients: otherPatients, otherRecords: otherRecords
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
                record, version, break_glass, other_patients, other_records)
            SELECT idx, time, action, status, outcome, message, actor,
                CASE WHEN present & 1 <> 0 THEN role END, CASE WHEN present & 2 <> 0 THEN patient END,
                CASE WHEN present & 4 <> 0 THEN doctor END, CASE WHEN present & 8 <> 0 THEN auditor END,
                CASE WHEN present & 16 <> 0 THEN record END, CASE WHEN present & 32 <> 0 THEN version END,
                break_glass,
                ARRAY(SELECT v FROM jsonb_array_elements_text(patients_json::jsonb) WITH ORDINALITY AS a(v, n) ORDER BY n),
                ARRAY(SELECT v FROM jsonb_array_elements_text(records_json::jsonb) WITH ORDINALITY AS a(v, n) ORDER BY n)
            FROM unnest(\(columns.indexes)::bigint[], \(columns.times)::bigint[], \(columns.actions)::text[],
                \(columns.statuses)::text[], \(columns.outcomes)::text[], \(columns.messages)::text[], \(columns.actors)::text[],
                \(columns.roles)::text[], \(columns.patients)::text[], \(columns.doctors)::text[], \(columns.auditors)::text[],
                \(columns.records)::text[], \(columns.versions)::bigint[], \(columns.breakGlass)::boolean[],
                \(columns.otherPatients)::text[], \(columns.otherRecords)::text[], \(columns.present)::bigint[])
                AS w(idx, time, action, status, outcome, message, actor, role, patient, doctor, auditor, record, version,
                    break_glass, patients_json, records_json, present)
            """, logger: logger)
    }
}
