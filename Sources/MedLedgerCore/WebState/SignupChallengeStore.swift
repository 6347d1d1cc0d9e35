import Crypto

/// Where the single-use challenges a sign-up's proof of possession signs (``SignupProof``) are
/// kept. A protocol so that several nodes share them: the sign-up page may fetch its challenge
/// from one node and post the sign-up to another.
///
/// Challenges are stored and looked up by their SHA-256 only. Each client address holds at most
/// ``SignupChallengeRules/perClient`` outstanding challenges (its oldest go first) and the whole
/// table at most ``SignupChallengeRules/capacity``.
public protocol SignupChallengeStore: Sendable {
    /// A fresh random challenge for `client`, valid until `now + SignupChallengeRules.lifetime`.
    func issue(client: String, now: Int64) async throws -> SignupChallengeRules.Issued

    /// Takes `challenge` out of the store: true when it was issued, is not used yet and has not
    /// expired at `now`. Used or not, a presented challenge can never be presented again.
    func redeem(_ challenge: String, now: Int64) async throws -> Bool
}

/// The limits every ``SignupChallengeStore`` keeps, and the challenge's encoding.
public enum SignupChallengeRules {
    /// How long a challenge may be used after it was issued.
    public static let lifetime: Int64 = 5 * 60_000
    /// Outstanding challenges one client address may hold.
    public static let perClient = 64
    /// Outstanding challenges in all.
    public static let capacity = 10_000

    /// A challenge handed out and when it stops being accepted.
    public struct Issued: Sendable, Equatable {
        public var challenge: String
        public var expires: Int64

        public init(challenge: String, expires: Int64) {
            self.challenge = challenge
            self.expires = expires
        }
    }

    /// 32 random bytes: the challenge (base64url) and the digest it is stored under.
    public static func make() -> (challenge: String, digest: [UInt8]) {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return (Base64Coding.url(bytes), Array(SHA256.hash(data: bytes)))
    }

    /// The digest a presented challenge is looked up by; nil when it cannot be one of ours.
    public static func digest(of challenge: String) -> [UInt8]? {
        guard let bytes = Base64Coding.decodeURL(challenge), bytes.count == 32 else { return nil }
        return Array(SHA256.hash(data: bytes))
    }
}
