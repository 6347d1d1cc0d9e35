import Crypto
import Dispatch
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Synchronization
import Testing

@testable import MedLedgerHTTP

/// The slow sign-in hashes run on bounded workers off the shared pool, within per-address and
/// per-username budgets, and failed log-ins slow down one (username, address) pair only.
@Suite("sign-in workers and throttles")
struct SignInLimitsTests {
    /// Counts jobs running at once and holds them until released.
    final class Gate: Sendable {
        let semaphore = DispatchSemaphore(value: 0)
        let state = Mutex((running: 0, most: 0))
        /// Jobs the workers refused.
        let refused = Mutex(0)

        func hold() {
            state.withLock { $0.running += 1; $0.most = max($0.most, $0.running) }
            semaphore.wait()
            state.withLock { $0.running -= 1 }
        }

        var most: Int { state.withLock { $0.most } }
    }

    static func waitUntil(_ condition: () -> Bool) async throws {
        for _ in 0..<500 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
        #expect(condition())
    }

    @Test("derivations never run more at once than there are workers, and the excess is refused at once")
    func boundedConcurrency() async throws {
        let workers = KDFWorkers(workers: 2, queueDepth: 3)
        let gate = Gate()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    do {
                        try await workers.run { gate.hold() }
                    } catch is KDFWorkersBusy {
                        gate.refused.withLock { $0 += 1 }
                    }
                }
            }
            // Five admitted (two running, three waiting); seven refused without waiting.
            // Held a while, so a third job would have had time to start if the pool allowed it.
            try await Self.waitUntil { gate.refused.withLock { $0 } == 7 && workers.inFlight == 5 && gate.state.withLock { $0.running } == 2 }
            try await Task.sleep(for: .milliseconds(100))
            #expect(gate.most == 2)
            for _ in 0..<5 { gate.semaphore.signal() }
            try await group.waitForAll()
        }
        #expect(gate.most == 2)
        #expect(workers.inFlight == 0)
    }

    @Test("with every worker busy, sign-up and log-in answer 503 with Retry-After at once")
    func busyWorkersAnswerFast() async throws {
        let workers = KDFWorkers(workers: 1, queueDepth: 0)
        let signIn = SignInLimits(workers: workers, clients: UnlimitedRateLimiter(), usernames: UnlimitedRateLimiter())
        let fixture = try await WebAuthTests.fixture(signIn: signIn)
        let gate = Gate()
        let blocker = Task { try await workers.run { gate.hold() } }
        try await Self.waitUntil { workers.inFlight == 1 }
        try await fixture.app.test(.router) { client in
            let started = ContinuousClock.now
            let response = try await client.execute(
                uri: "/auth/login", method: .post,
                body: WebAuthTests.json(["username": "someone", "authKey": Base64Coding.url([UInt8](repeating: 1, count: 32))])
            )
            // Waiting for the held worker would never end (the gate opens only after this); the
            // answer comes after the refusal's hold, which a loaded test machine may stretch.
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(response.status == .serviceUnavailable)
            #expect(response.headers[.retryAfter] == "1")
            #expect(String(buffer: response.body).contains("\"busy\""))
        }
        gate.semaphore.signal()
        try await blocker.value
    }

    @Test("a refusal for busy workers is held before it is sent, so an instant retry loop gains nothing; beyond its capacity it goes out at once")
    func busyRefusalIsHeld() async throws {
        let workers = KDFWorkers(workers: 1, queueDepth: 0)
        let hold = RefusalHold(duration: .seconds(3), capacity: 1)
        let signIn = SignInLimits(workers: workers, clients: UnlimitedRateLimiter(), usernames: UnlimitedRateLimiter(), busyHold: hold)
        let fixture = try await WebAuthTests.fixture(signIn: signIn)
        let gate = Gate()
        let blocker = Task { try await workers.run { gate.hold() } }
        try await Self.waitUntil { workers.inFlight == 1 }
        let body = WebAuthTests.json(["username": "someone", "authKey": Base64Coding.url([UInt8](repeating: 1, count: 32))])
        try await fixture.app.test(.router) { client in
            let started = ContinuousClock.now
            async let first = client.execute(uri: "/auth/login", method: .post, body: body)
            try await Self.waitUntil { hold.count == 1 }
            // The one place is taken: this refusal is not held.
            let second = try await client.execute(uri: "/auth/login", method: .post, body: body)
            #expect(second.status == .serviceUnavailable)
            // Answered while the first refusal is still held: it was not held itself. (The count,
            // not a stopwatch, so a loaded machine cannot make this flaky.)
            #expect(hold.count == 1)
            let held = try await first
            #expect(held.status == .serviceUnavailable)
            #expect(held.headers[.retryAfter] == "1")
            #expect(ContinuousClock.now - started >= .seconds(3))
        }
        #expect(hold.count == 0)
        gate.semaphore.signal()
        try await blocker.value
    }

    @Test("a client over its sign-in budget gets 429 whether or not the username exists")
    func perAddressBudget() async throws {
        let signIn = SignInLimits(
            workers: KDFWorkers(), clients: InMemoryRateLimiter(limit: RateLimit(perMinute: 0, burst: 2)), usernames: UnlimitedRateLimiter()
        )
        let fixture = try await WebAuthTests.fixture(signIn: signIn)
        let user = try await WebAuthTests.user(fixture, username: "dora")
        let wrong = Base64Coding.url([UInt8](repeating: 9, count: 32))
        try await fixture.app.test(.router) { client in
            #expect(try await client.execute(uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "dora", "authKey": user.authKey])).status == .ok)
            #expect(try await client.execute(uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "nobody", "authKey": wrong])).status == .unauthorized)
            let known = try await client.execute(uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "dora", "authKey": user.authKey]))
            let unknown = try await client.execute(uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "nobody", "authKey": wrong]))
            #expect(known.status == .tooManyRequests && unknown.status == .tooManyRequests)
            #expect(known.headers[.retryAfter] != nil)
            #expect(String(buffer: known.body).contains("rate_limited"))
        }
    }

    @Test("30 failed log-ins for other usernames from one address do not lock another user out")
    func noLockOutFromSharedAddress() async throws {
        let signIn = SignInLimits(workers: KDFWorkers(), clients: UnlimitedRateLimiter(), usernames: UnlimitedRateLimiter())
        let fixture = try await WebAuthTests.fixture(signIn: signIn)
        let user = try await WebAuthTests.user(fixture, username: "erin")
        let wrong = Base64Coding.url([UInt8](repeating: 3, count: 32))
        try await fixture.app.test(.router) { client in
            for number in 0..<30 {
                let response = try await client.execute(
                    uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "guess\(number)", "authKey": wrong]))
                #expect(response.status == .unauthorized || response.status == .tooManyRequests)
            }
            let login = try await client.execute(uri: "/auth/login", method: .post, body: WebAuthTests.json(["username": "erin", "authKey": user.authKey]))
            #expect(login.status == .ok)
        }
    }

    @Test("failures slow down only their (username, address) pair, waiting longer after each")
    func throttleBacksOffPerPair() async {
        let throttle = LoginThrottle()
        for _ in 0..<5 { await throttle.recordFailure(username: "Frank", client: "10.0.0.1", now: 0) }
        #expect(await throttle.retryAfter(username: "frank", client: "10.0.0.1", now: 0) == 30_000)
        #expect(await throttle.retryAfter(username: "frank", client: "10.0.0.2", now: 0) == nil)
        #expect(await throttle.retryAfter(username: "grace", client: "10.0.0.1", now: 0) == nil)
        await throttle.recordFailure(username: "frank", client: "10.0.0.1", now: 30_000)
        #expect(await throttle.retryAfter(username: "frank", client: "10.0.0.1", now: 30_000) == 60_000)
        #expect(LoginThrottle.wait(afterFailures: 100, limits: .init()) == 15 * 60_000)
        await throttle.recordSuccess(username: "frank", client: "10.0.0.1")
        #expect(await throttle.retryAfter(username: "frank", client: "10.0.0.1", now: 30_000) == nil)
    }
}
