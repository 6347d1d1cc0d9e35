import MedLedgerCore

/// No connection to PostgreSQL could be had in time: the server is down, restarting or failing over.
public enum PostgresOutageError: Error, TransientStoreError, CustomStringConvertible {
    case noConnection
    /// A call that had its connection got no answer before its deadline.
    case noAnswer

    public var isTransient: Bool { true }
    public var description: String {
        switch self {
        case .noConnection: "no connection to PostgreSQL could be made in time"
        case .noAnswer: "PostgreSQL did not answer in time"
        }
    }
}
