import Crypto
import Logging
import MedLedgerCore
import MedLedgerStorage
import MedLedgerTestSupport
import PostgresNIO
import Testing

@testable import MedLedgerHTTP

/// Web sessions behave the same in memory and in PostgreSQL: pending log-ins are taken once, live
/// sessions are found by their cookie token, idle and absolute expiry end them, and ending one
/// ends it for everyone.
@Suite("web session storage")
struct WebSessionStorageTests {
    static func account() -> AccountAddress { P256.Signing.PrivateKey().publicKey.address }

    @Test("a pending log-in is taken once, with its key, and not after its deadline", arguments: WebStateKind.allCases)
    func pendingTakenOnce(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let sessions = WebSessionStore(storage: state.sessions)
            let pending = try await sessions.begin(account: Self.account(), username: "ann", now: clock.now)
            let taken = try #require(try await sessions.takePending(sessionKey: pending.sessionAddress, now: clock.now))
            #expect(taken.key.rawRepresentation == pending.key.rawRepresentation)
            #expect(taken.account == pending.account && taken.username == "ann" && taken.expires == pending.expires)
            #expect(try await sessions.takePending(sessionKey: pending.sessionAddress, now: clock.now) == nil)

            let late = try await sessions.begin(account: Self.account(), username: "ben", now: clock.now)
            clock.advance(millis: WebSessionStore.pendingLimit)
            #expect(try await sessions.takePending(sessionKey: late.sessionAddress, now: clock.now) == nil)
        }
    }

    @Test("a session is found by its cookie token with its key and CSRF token, and ends on sign-out", arguments: WebStateKind.allCases)
    func sessionFoundAndEnded(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let sessions = WebSessionStore(storage: state.sessions)
            let pending = try await sessions.begin(account: Self.account(), username: "cat", now: clock.now)
            let (token, started) = try await sessions.activate(pending, now: clock.now)
            let found = try #require(try await sessions.session(token: token, now: clock.now))
            #expect(found.account == started.account && found.username == "cat" && found.csrf == started.csrf)
            #expect(found.key.rawRepresentation == pending.key.rawRepresentation)
            #expect(found.expires == pending.expires)
            #expect(try await sessions.session(token: WebSessionStore.randomToken(), now: clock.now) == nil)
            let ended = try await sessions.end(token: token)
            #expect(ended?.account == started.account)
            #expect(try await sessions.session(token: token, now: clock.now) == nil)
            #expect(try await sessions.end(token: token) == nil)
        }
    }

    @Test("use keeps a session alive past the idle limit; idleness and the absolute end expire it", arguments: WebStateKind.allCases)
    func idleAndAbsoluteExpiry(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { (state, _) async throws in
            let sessions = WebSessionStore(storage: state.sessions)
            let (busy, _) = try await sessions.activate(try await sessions.begin(account: Self.account(), username: "dan", now: clock.now), now: clock.now)
            let (idle, _) = try await sessions.activate(try await sessions.begin(account: Self.account(), username: "eve", now: clock.now), now: clock.now)
            let step = WebSessionStore.idleLimit - 60_000
            clock.advance(millis: step)
            #expect(try await sessions.session(token: busy, now: clock.now) != nil)
            clock.advance(millis: step)
            #expect(try await sessions.session(token: busy, now: clock.now) != nil)
            #expect(try await sessions.session(token: idle, now: clock.now) == nil)
            // Used every few minutes, it still ends at its absolute expiry.
            var elapsed = 2 * step
            while elapsed + step < WebSessionStore.lifetime {
                clock.advance(millis: step)
                elapsed += step
                #expect(try await sessions.session(token: busy, now: clock.now) != nil)
            }
            clock.advance(millis: WebSessionStore.lifetime - elapsed)
            #expect(try await sessions.session(token: busy, now: clock.now) == nil)
        }
    }

    @Test("a stolen session row holds neither the cookie token nor a key that opens without the web secret")
    func stolenRowIsUseless() async throws {
        let clock = TestClock()
        let secret = SymmetricKey(size: .bits256)
        try await WebStateKind.postgres.with(clock: clock, secret: secret) { (state, database) async throws in
            let database = try #require(database)
            let sessions = WebSessionStore(storage: state.sessions)
            let pending = try await sessions.begin(account: Self.account(), username: "fay", now: clock.now)
            let (token, _) = try await sessions.activate(pending, now: clock.now)
            let logger = Logger(label: "test")
            var rows: [(String, ByteBuffer)] = []
            for try await row in try await database.client.query("SELECT token_digest, sealed_key FROM web_session", logger: logger)
                .decode((String, ByteBuffer).self) { rows.append(row) }
            let (digest, sealed) = try #require(rows.first)
            #expect(rows.count == 1)
            #expect(digest == WebSessionStore.digest(token) && digest != token && !digest.contains(token))
            let sealedBytes = Array(buffer: sealed)
            let raw = Array(pending.key.rawRepresentation)
            #expect(!sealedBytes.windows(ofCount: raw.count).contains { Array($0) == raw })
            // A node with another secret finds the row but cannot use it.
            let stranger = PostgresWebSessionStorage(database: database, secret: SymmetricKey(size: .bits256))
            #expect(try await stranger.session(tokenDigest: digest, now: clock.now) == nil)
            #expect(throws: SessionKeySealError.unopenable) {
                try SessionKeySeal(secret: SymmetricKey(size: .bits256)).open(sealedBytes, account: pending.account)
            }
            // Nor does the sealed key open for another account, even with the right secret.
            #expect(throws: SessionKeySealError.unopenable) { try SessionKeySeal(secret: secret).open(sealedBytes, account: Self.account()) }
            #expect(try SessionKeySeal(secret: secret).open(sealedBytes, account: pending.account).rawRepresentation == pending.key.rawRepresentation)
            // The digest is not a cookie: presented as a token it finds nothing.
            #expect(try await sessions.session(token: digest, now: clock.now) == nil)
        }
    }

    @Test("ended and expired sessions and pending log-ins are deleted from PostgreSQL by the sweep at every log-in")
    func expiredRowsSwept() async throws {
        let clock = TestClock()
        try await WebStateKind.postgres.with(clock: clock) { (state, database) async throws in
            let database = try #require(database)
            let sessions = WebSessionStore(storage: state.sessions)
            for name in ["gus", "hal", "ida"] {
                _ = try await sessions.activate(try await sessions.begin(account: Self.account(), username: name, now: clock.now), now: clock.now)
            }
            clock.advance(millis: WebSessionStore.idleLimit)
            _ = try await sessions.begin(account: Self.account(), username: "jon", now: clock.now)
            let logger = Logger(label: "test")
            var counts: [Int64] = []
            for table in ["web_session", "web_pending_session"] {
                for try await count in try await database.client.query(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table)"), logger: logger)
                    .decode(Int64.self) { counts.append(count) }
            }
            #expect(counts == [0, 1])
        }
    }
}

extension Array {
    /// Every run of `count` consecutive elements.
    fileprivate func windows(ofCount count: Int) -> [ArraySlice<Element>] {
        guard count > 0, self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<($0 + count)] }
    }
}
