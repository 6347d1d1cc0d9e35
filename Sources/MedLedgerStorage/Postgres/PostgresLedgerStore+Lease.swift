import Foundation
import Logging
import MedLedgerCore
import PostgresNIO

/// The sequencer lease and what following nodes read: the part of ``SharedLedgerStore`` beyond
/// ``LedgerStore``. Every lease time is PostgreSQL's clock (`clock_timestamp()`), never a node's.
extension PostgresLedgerStore {
    /// One statement decides: the row is inserted when there is none (epoch 1), taken when it has
    /// expired (epoch + 1, the new holder and endpoint), renewed when `holder` already has it
    /// (same epoch, even if it had expired and nobody took it), and otherwise left alone. The
    /// row's lock serialises claims with each other and with a block being committed.
    public func claimLease(holder: String, endpoint: String, ttlMillis: Int64) async throws -> SequencerLease {
        let lease = try await transaction(deadline: Self.sequencingDeadline) { connection in
            try await connection.query(
                """
                INSERT INTO sequencer_lease AS l (id, holder, endpoint, epoch, expires)
                VALUES (1, \(holder), \(endpoint), 1, clock_timestamp() + make_interval(secs => \(ttlMillis)::float8 / 1000))
                ON CONFLICT (id) DO UPDATE SET
                    holder = excluded.holder, endpoint = excluded.endpoint, expires = excluded.expires,
                    epoch = CASE WHEN l.holder = excluded.holder THEN l.epoch ELSE l.epoch + 1 END
                WHERE l.holder = excluded.holder OR l.expires <= clock_timestamp()
                """, logger: logger)
            guard let lease = try await Self.lease(on: connection, logger: logger) else {
                throw LedgerStoreError.corrupt("the sequencer lease vanished while it was claimed")
            }
            return lease
        }
        let previous = fence.current
        fence.record(lease, claimedBy: holder)
        if lease.isHeld(by: holder), previous?.epoch != Int64(lease.epoch) {
            logger.notice("sequencer lease granted", metadata: ["holder": "\(holder)", "epoch": "\(lease.epoch)"])
        } else if !lease.isHeld(by: holder), previous != nil {
            logger.warning("sequencer lease lost", metadata: ["holder": "\(lease.holder)", "epoch": "\(lease.epoch)"])
        }
        return lease
    }

    public func releaseLease(holder: String) async throws {
        try await connection(deadline: Self.sequencingDeadline) { connection in
            try await connection.query(
                """
                UPDATE sequencer_lease SET expires = clock_timestamp()
                WHERE id = 1 AND holder = \(holder) AND expires > clock_timestamp()
                """, logger: logger)
        }
        if fence.current?.holder == holder { fence.clear() }
    }

    public func currentLease() async throws -> SequencerLease? {
        try await connection(deadline: Self.sequencingDeadline) { connection in try await Self.lease(on: connection, logger: logger) }
    }

    static func lease(on connection: PostgresConnection, logger: Logger) async throws -> SequencerLease? {
        let rows = try await connection.query(
            "SELECT holder, endpoint, epoch, expires > clock_timestamp() FROM sequencer_lease WHERE id = 1", logger: logger)
        var lease: SequencerLease?
        for try await (holder, endpoint, epoch, live) in rows.decode((String, String, Int64, Bool).self) {
            lease = SequencerLease(holder: holder, endpoint: endpoint, epoch: UInt64(epoch), live: live)
        }
        return lease
    }

    /// Reads in one REPEATABLE READ snapshot, so the head and the objects agree: every object a
    /// block up to the head changed is there, and none from a later block.
    public func changes(after size: UInt64) async throws -> LedgerChanges {
        let after = Int64(clamping: size)
        return try await transaction(deadline: Self.stateDeadline) { connection in
            try await connection.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY", logger: logger)
            try await Self.probeIndexes(on: connection, logger: logger)
            let head = try await Self.head(on: connection, logger: logger)
            let rows = try await connection.query(
                "SELECT kind, id, document FROM state_object WHERE changed_at > \(after) ORDER BY kind, id", logger: logger)
            return LedgerChanges(head: head, objects: try await Self.objects(rows))
        }
    }
}
