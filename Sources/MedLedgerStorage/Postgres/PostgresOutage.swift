import MedLedgerCore
import PostgresNIO
import _ConnectionPoolModule

/// Which PostgreSQL failures are outages (the server stopped, restarting, or failing over to a
/// replica): the connection failed or closed, the pool could not open one, or the server said it
/// is shutting down or not yet accepting connections (SQLSTATE classes 08 and 57P).
extension PSQLError: TransientStoreError {
    public var isTransient: Bool {
        switch code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed:
            return true
        case .server:
            guard let state = serverInfo?[.sqlState] else { return false }
            return state.hasPrefix("08") || state.hasPrefix("57P")
        default:
            return false
        }
    }
}

extension ConnectionPoolError: TransientStoreError {
    /// The pool's own failures (no connection could be made, the wait for one timed out) are all
    /// about reaching the server.
    public var isTransient: Bool { true }
}
