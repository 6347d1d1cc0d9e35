import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Sign-up challenges behave the same in memory and in PostgreSQL: each is redeemed once, before
/// it expires, and a client's outstanding challenges are bounded.
@Suite("sign-up challenge stores")
struct SignupChallengeStoreTests {
    @Test("a challenge redeems once and only before it expires; anything else never redeems", arguments: WebStateKind.allCases)
    func redeemOnce(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let challenges = state.challenges
            let issued = try await challenges.issue(client: "192.0.2.7", now: clock.now)
            #expect(issued.expires == clock.now + SignupChallengeRules.lifetime)
            #expect(try await challenges.redeem(issued.challenge, now: clock.now))
            #expect(try await !challenges.redeem(issued.challenge, now: clock.now))
            #expect(try await !challenges.redeem("not a challenge", now: clock.now))
            #expect(try await !challenges.redeem(SignupChallengeRules.make().challenge, now: clock.now))

            let stale = try await challenges.issue(client: "192.0.2.7", now: clock.now)
            clock.advance(millis: SignupChallengeRules.lifetime)
            #expect(try await !challenges.redeem(stale.challenge, now: clock.now))
            // Presented once, even too late, it is gone.
            clock.advance(millis: -SignupChallengeRules.lifetime)
            #expect(try await !challenges.redeem(stale.challenge, now: clock.now))
        }
    }

    @Test("a client holds at most perClient challenges: its oldest go first, other clients' stay", arguments: WebStateKind.allCases)
    func boundedPerClient(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let challenges = state.challenges
            let other = try await challenges.issue(client: "198.51.100.8", now: clock.now)
            var issued: [String] = []
            for _ in 0..<(SignupChallengeRules.perClient + 4) {
                issued.append(try await challenges.issue(client: "198.51.100.7", now: clock.now).challenge)
            }
            for challenge in issued.prefix(4) { #expect(try await !challenges.redeem(challenge, now: clock.now)) }
            for challenge in issued.dropFirst(4) { #expect(try await challenges.redeem(challenge, now: clock.now)) }
            #expect(try await challenges.redeem(other.challenge, now: clock.now))
        }
    }
}
