/// The ledger's tables in PostgreSQL.
enum PostgresLedgerSchema {
    static let migrations: [PostgresMigration] = []
}
