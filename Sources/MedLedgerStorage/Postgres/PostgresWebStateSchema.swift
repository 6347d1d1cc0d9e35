/// The tables of what the web application's nodes share: sessions, log-in throttles, sign-up
/// challenges and rate limits. Times are Unix milliseconds from the nodes' clocks, as the web
/// application passes them (never the database clock), so every store applies the same rules.
///
/// Shipped migrations are never edited; changes are new migrations.
enum PostgresWebStateSchema {
    static let migrations: [PostgresMigration] = [
        PostgresMigration("web-1-sessions", [
            // The cookie token's SHA-256 (hex) only; the session key sealed (SessionKeySeal).
            """
            CREATE TABLE web_session (
                token_digest TEXT PRIMARY KEY,
                account TEXT NOT NULL,
                username TEXT NOT NULL,
                sealed_key BYTEA NOT NULL,
                csrf TEXT NOT NULL,
                expires BIGINT NOT NULL,
                last_seen BIGINT NOT NULL
            )
            """,
            // No index on last_seen: touching a session then stays a heap-only update, and the
            // sweep at log-in reads a table bounded by the log-ins of one session lifetime.
            "CREATE INDEX web_session_expires ON web_session (expires)",
            """
            CREATE TABLE web_pending_session (
                session_key TEXT PRIMARY KEY,
                account TEXT NOT NULL,
                username TEXT NOT NULL,
                sealed_key BYTEA NOT NULL,
                expires BIGINT NOT NULL,
                deadline BIGINT NOT NULL
            )
            """,
            "CREATE INDEX web_pending_session_deadline ON web_pending_session (deadline)",
        ]),
        PostgresMigration("web-2-login-throttle", [
            """
            CREATE TABLE web_login_throttle (
                username TEXT NOT NULL,
                client TEXT NOT NULL,
                failures BIGINT NOT NULL,
                last BIGINT NOT NULL,
                PRIMARY KEY (username, client)
            )
            """,
            "CREATE INDEX web_login_throttle_last ON web_login_throttle (last)",
        ]),
        PostgresMigration("web-3-signup-challenges", [
            """
            CREATE TABLE web_signup_challenge (
                digest BYTEA PRIMARY KEY,
                client TEXT NOT NULL,
                expires BIGINT NOT NULL,
                serial BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE
            )
            """,
            "CREATE INDEX web_signup_challenge_client ON web_signup_challenge (client, serial)",
            "CREATE INDEX web_signup_challenge_expires ON web_signup_challenge (expires)",
        ]),
        PostgresMigration("web-4-rate-buckets", [
            // One token bucket per (limiter, key), in thousandths of a token; `capacity` and
            // `per_minute` are kept so a sweep can tell full buckets of every limiter; `allowed`
            // is the last call's decision, which the upsert returns.
            """
            CREATE TABLE web_rate_bucket (
                limiter TEXT NOT NULL,
                key BYTEA NOT NULL,
                milli_tokens BIGINT NOT NULL,
                updated BIGINT NOT NULL,
                capacity BIGINT NOT NULL,
                per_minute BIGINT NOT NULL,
                allowed BOOLEAN NOT NULL,
                PRIMARY KEY (limiter, key)
            )
            """,
            // The refill of Core's TokenBucket: `per_minute` tokens a minute up to `capacity`; the
            // time advances only by what the whole milli-tokens took, so frequent calls keep the
            // fraction; a clock going backwards adds nothing. Numeric arithmetic cannot overflow.
            """
            CREATE FUNCTION web_bucket_refill(
                tokens BIGINT, updated BIGINT, now BIGINT, capacity BIGINT, per_minute BIGINT,
                OUT milli_tokens BIGINT, OUT refilled_at BIGINT
            ) LANGUAGE sql IMMUTABLE AS $$
                SELECT
                    CASE
                        WHEN now <= updated OR per_minute = 0 THEN tokens
                        ELSE LEAST(capacity::numeric, tokens + gained)::bigint
                    END,
                    CASE
                        WHEN now <= updated THEN updated
                        WHEN per_minute = 0 OR tokens + gained >= capacity THEN now
                        ELSE updated + ceil(gained * 60 / per_minute)::bigint
                    END
                FROM (SELECT floor((now - updated)::numeric * per_minute / 60) AS gained) AS refill
            $$
            """,
        ]),
    ]
}
