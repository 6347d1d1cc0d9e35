/// A problem with the PostgreSQL store's configuration or contents.
public enum PostgresStoreError: Error, Sendable, CustomStringConvertible {
    case badURL(String)
    /// The database could not be reached or migrated at start.
    case unreachable(String, String)

    public var description: String {
        switch self {
        case .badURL(let why): "The --store URL is not usable: \(why)."
        case .unreachable(let url, let error):
            "Cannot use the PostgreSQL database \(url): check that the server runs, the user and database exist, and the password (MEDLEDGER_PG_PASSWORD or --store-password-file) is right. (\(error))"
        }
    }
}
