import Logging
import MedLedgerCore
import PostgresNIO

/// Sign-up challenges in PostgreSQL, so a challenge one node issued is redeemed on any other
/// (``SignupChallengeStore``). Rows hold the challenge's SHA-256 only.
///
/// Redeeming is one `DELETE … RETURNING`, so a challenge is used once however many nodes race for
/// it. Each issue drops its client's challenges beyond ``SignupChallengeRules/perClient``, every
/// expired one and, past ``SignupChallengeRules/capacity``, the oldest: the table stays bounded
/// whatever anonymous clients ask.
public struct PostgresSignupChallenges: SignupChallengeStore {
    let database: PostgresDatabase

    public init(database: PostgresDatabase) {
        self.database = database
    }

    private var logger: Logger { database.logger }

    public func issue(client: String, now: Int64) async throws -> SignupChallengeRules.Issued {
        let (challenge, digest) = SignupChallengeRules.make()
        let expires = now + SignupChallengeRules.lifetime
        let perClient = Int64(SignupChallengeRules.perClient)
        let capacity = Int64(SignupChallengeRules.capacity)
        try await database.webStateQuery(
            "INSERT INTO web_signup_challenge (digest, client, expires) VALUES (\(ByteBuffer(bytes: digest)), \(client), \(expires))",
            logger: logger)
        try await database.webStateQuery(
            """
            DELETE FROM web_signup_challenge WHERE client = \(client) AND serial < ALL (
                SELECT serial FROM web_signup_challenge WHERE client = \(client) ORDER BY serial DESC LIMIT \(perClient))
            """, logger: logger)
        try await database.webStateQuery("DELETE FROM web_signup_challenge WHERE expires <= \(now)", logger: logger)
        try await database.webStateQuery(
            """
            DELETE FROM web_signup_challenge WHERE serial <= (
                SELECT serial FROM web_signup_challenge ORDER BY serial DESC OFFSET \(capacity) LIMIT 1)
            """, logger: logger)
        return SignupChallengeRules.Issued(challenge: challenge, expires: expires)
    }

    public func redeem(_ challenge: String, now: Int64) async throws -> Bool {
        guard let digest = SignupChallengeRules.digest(of: challenge) else { return false }
        let rows = try await database.webStateQuery(
            "DELETE FROM web_signup_challenge WHERE digest = \(ByteBuffer(bytes: digest)) RETURNING expires", logger: logger)
        var live = false
        for try await expires in rows.decode(Int64.self) { live = now < expires }
        return live
    }

    /// Outstanding challenges (tests).
    public func count() async throws -> Int {
        var total: Int64 = 0
        for try await value in try await database.webStateQuery("SELECT count(*) FROM web_signup_challenge", logger: logger).decode(Int64.self) {
            total = value
        }
        return Int(total)
    }
}
