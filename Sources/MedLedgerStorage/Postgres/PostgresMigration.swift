/// One versioned schema change: SQL statements run in order in one transaction.
public struct PostgresMigration: Sendable {
    public let name: String
    public let statements: [String]

    public init(_ name: String, _ statements: [String]) {
        self.name = name
        self.statements = statements
    }
}

/// Every migration, in the order they apply. Names sort in that order too.
enum PostgresMigrations {
    /// The advisory lock key migrations hold (any fixed number; "MLmigr" in ASCII).
    static let lockKey: Int64 = 0x4D4C_6D69_6772

    static var all: [PostgresMigration] {
        PostgresLedgerSchema.migrations + PostgresWebStateSchema.migrations
    }
}
