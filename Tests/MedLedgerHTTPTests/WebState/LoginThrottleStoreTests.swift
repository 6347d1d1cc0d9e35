import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Log-in throttles behave the same in memory and in PostgreSQL, and PostgreSQL counts every
/// failure when several nodes record them at once.
@Suite("log-in throttle stores")
struct LoginThrottleStoreTests {
    @Test("five failures are free, then waits double; another client or username is not affected; success clears", arguments: WebStateKind.allCases)
    func doublingWaits(kind: WebStateKind) async throws {
        let clock = TestClock()
        let rules = LoginThrottleRules()
        try await kind.with(clock: clock) { (state, _) async throws in
            let throttle = state.throttle
            for _ in 0..<rules.free {
                #expect(try await throttle.retryAfter(username: "Ann", client: "192.0.2.1", now: clock.now) == nil)
                try await throttle.recordFailure(username: "Ann", client: "192.0.2.1", now: clock.now)
            }
            #expect(try await throttle.retryAfter(username: "ann", client: "192.0.2.1", now: clock.now) == rules.firstWait)
            #expect(try await throttle.retryAfter(username: "ann", client: "192.0.2.2", now: clock.now) == nil)
            #expect(try await throttle.retryAfter(username: "bob", client: "192.0.2.1", now: clock.now) == nil)
            clock.advance(millis: rules.firstWait)
            #expect(try await throttle.retryAfter(username: "ANN", client: "192.0.2.1", now: clock.now) == nil)
            try await throttle.recordFailure(username: "ann", client: "192.0.2.1", now: clock.now)
            #expect(try await throttle.retryAfter(username: "ann", client: "192.0.2.1", now: clock.now) == 2 * rules.firstWait)
            try await throttle.recordSuccess(username: "ANN", client: "192.0.2.1")
            #expect(try await throttle.retryAfter(username: "ann", client: "192.0.2.1", now: clock.now) == nil)
        }
    }

    @Test("failures are forgotten once the longest wait has passed since the last", arguments: WebStateKind.allCases)
    func failuresForgotten(kind: WebStateKind) async throws {
        let clock = TestClock()
        let rules = LoginThrottleRules()
        try await kind.with(clock: clock) { (state, _) async throws in
            for _ in 0..<(rules.free + 3) { try await state.throttle.recordFailure(username: "cid", client: "198.51.100.1", now: clock.now) }
            #expect(try await state.throttle.retryAfter(username: "cid", client: "198.51.100.1", now: clock.now) != nil)
            clock.advance(millis: rules.maxWait)
            #expect(try await state.throttle.retryAfter(username: "cid", client: "198.51.100.1", now: clock.now) == nil)
            // The count starts again: one more failure is free.
            try await state.throttle.recordFailure(username: "cid", client: "198.51.100.1", now: clock.now)
            #expect(try await state.throttle.retryAfter(username: "cid", client: "198.51.100.1", now: clock.now) == nil)
        }
    }

    @Test("failures recorded at once by two nodes on one PostgreSQL database are all counted")
    func racingNodesLoseNothing() async throws {
        let clock = TestClock()
        // Waits of 2^failures ms, so a single lost failure would show.
        var rules = LoginThrottleRules()
        rules.free = 0
        rules.firstWait = 1
        rules.maxWait = 1 << 40
        try await WebStateKind.postgres.with(clock: clock) { (_, database) async throws in
            let database = try #require(database)
            let nodes = [PostgresLoginThrottle(database: database, rules: rules), PostgresLoginThrottle(database: database, rules: rules)]
            let failures = 24
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<failures {
                    let node = nodes[index % 2]
                    let now = clock.now
                    group.addTask { try await node.recordFailure(username: "dee", client: "203.0.113.9", now: now) }
                }
                try await group.waitForAll()
            }
            let wait = try await nodes[0].retryAfter(username: "dee", client: "203.0.113.9", now: clock.now)
            #expect(wait == 1 << Int64(failures))
            #expect(try await nodes[1].retryAfter(username: "dee", client: "203.0.113.9", now: clock.now) == wait)
        }
    }
}
