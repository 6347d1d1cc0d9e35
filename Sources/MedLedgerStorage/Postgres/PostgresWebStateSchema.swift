/// The tables of what the web application's nodes share: sessions, log-in throttles, rate limits.
enum PostgresWebStateSchema {
    static let migrations: [PostgresMigration] = []
}
