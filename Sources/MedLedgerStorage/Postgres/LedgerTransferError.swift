/// Why ``LedgerTransfer`` refused or undid a copy.
public enum LedgerTransferError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The PostgreSQL database already holds ledger data or credentials.
    case targetNotEmpty
    /// The copy's head is not the source's (what differs); nothing was committed.
    case headsDiffer(String)

    public var description: String {
        switch self {
        case .targetNotEmpty: "The PostgreSQL database is not empty; a ledger is copied only into an empty one."
        case .headsDiffer(let what): "The copy does not match its source (\(what) differ); nothing was written."
        }
    }
}
