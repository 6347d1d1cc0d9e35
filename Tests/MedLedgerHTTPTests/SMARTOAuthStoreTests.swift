import Crypto
import Foundation
import MedLedgerCore
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Pending authorisations, codes and tokens in the web state storage, in memory and in the
/// PostgreSQL store several nodes share: each request and code is used once however many take it
/// at once, steps end at their deadlines, and tokens and cookies never stand for each other.
@Suite("SMART authorisations in the shared web state")
struct SMARTOAuthStoreTests {
    static let account = AccountAddress(publicKey: P256.Signing.PrivateKey().publicKey)

    static func authorization(expires: Int64) -> OAuthAuthorization {
        OAuthAuthorization(
            app: "demo-app", scopes: ["patient/*.rs"], patient: account, redirectURI: "https://app.example/cb", state: "s",
            codeChallenge: String(repeating: "c", count: 43), nonce: nil, username: "pat", tokenExpires: expires)
    }

    @Test("a code is taken by one of several concurrent redemptions, and not after its minute", arguments: WebStateKind.allCases)
    func codesAreSingleUse(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { shared, _ in
            let store = OAuthStore(storage: shared.sessions)
            let key = P256.Signing.PrivateKey()
            let value = Self.authorization(expires: clock.now + OAuthStore.tokenLifetime)
            let code = try await store.put(.code, value, account: Self.account, key: key, now: clock.now)
            let taken = try await withThrowingTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { try await store.take(.code, secret: code, now: clock.now) != nil } }
                return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(taken == 1)
            let late = try await store.put(.code, value, account: Self.account, key: key, now: clock.now)
            clock.advance(millis: OAuthStore.codeLifetime)
            #expect(try await store.take(.code, secret: late, now: clock.now) == nil)
        }
    }

    @Test("a pending request keeps the app's key and the authorisation, and is not a code", arguments: WebStateKind.allCases)
    func requestsRoundTrip(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { shared, _ in
            let store = OAuthStore(storage: shared.sessions)
            let key = P256.Signing.PrivateKey()
            let value = Self.authorization(expires: clock.now + OAuthStore.tokenLifetime)
            let id = try await store.put(.request, value, account: Self.account, key: key, now: clock.now)
            #expect(try await store.take(.code, secret: id, now: clock.now) == nil)
            let taken = try #require(try await store.take(.request, secret: id, now: clock.now))
            #expect(taken.authorization == value)
            #expect(taken.account == Self.account)
            #expect(taken.key.publicKey.address == key.publicKey.address)
            #expect(try await store.take(.request, secret: id, now: clock.now) == nil)
        }
    }

    @Test("a token resolves until revoked, and is not a cookie (nor a cookie a token)", arguments: WebStateKind.allCases)
    func tokensAndCookiesStayApart(kind: WebStateKind) async throws {
        let clock = TestClock()
        try await kind.with(clock: clock) { shared, _ in
            let store = OAuthStore(storage: shared.sessions)
            let cookies = WebSessionStore(storage: shared.sessions)
            let token = try await store.issueToken(
                account: Self.account, username: "pat", key: P256.Signing.PrivateKey(), expires: clock.now + OAuthStore.tokenLifetime, now: clock.now)
            #expect(try await store.token(token, now: clock.now)?.account == Self.account)
            #expect(try await cookies.session(token: token, now: clock.now) == nil)
            let pending = try await cookies.begin(account: Self.account, username: "pat", now: clock.now)
            let (cookie, _) = try await cookies.activate(pending, now: clock.now)
            #expect(try await store.token(cookie, now: clock.now) == nil)
            #expect(try await store.revoke(token) != nil)
            #expect(try await store.token(token, now: clock.now) == nil)
        }
    }
}
