import Crypto
import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerTestSupport
import NIOCore
import Testing

@testable import MedLedgerHTTP

@Suite("signed-out ledger pages kept rendered per tree size")
struct RenderedPageCacheTests {
    @Test("a page is kept for its tree size only; long addresses are never kept; the cache starts again when full")
    func cacheRules() {
        let cache = RenderedPageCache(capacity: 2)
        cache.store(ByteBuffer(string: "a"), for: "/explorer", size: 5)
        #expect(cache.html(for: "/explorer", size: 5) == ByteBuffer(string: "a"))
        #expect(cache.html(for: "/explorer", size: 6) == nil)
        cache.store(ByteBuffer(string: "x"), for: "/" + String(repeating: "q", count: RenderedPageCache.longestKey), size: 5)
        #expect(cache.html(for: "/" + String(repeating: "q", count: RenderedPageCache.longestKey), size: 5) == nil)
        cache.store(ByteBuffer(string: "b"), for: "/explorer/entries/1", size: 5)
        cache.store(ByteBuffer(string: "c"), for: "/explorer/entries/2", size: 5)
        #expect(cache.html(for: "/explorer", size: 5) == nil)
        #expect(cache.html(for: "/explorer/entries/2", size: 5) == ByteBuffer(string: "c"))
    }

    @Test("the explorer shows a new block at once, and signed-out views between blocks are the same page")
    func explorerFollowsTheLedger() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-cache-\(UUID().uuidString)")
        for folder in ["pages", "templates", "static"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(folder), withIntermediateDirectories: true)
        }
        try """
            [{"path": "/explorer", "public": true, "template": "log", "title": "Log", "providers": ["explorer"]}]
            """.write(to: root.appendingPathComponent("pages/test.json"), atomically: true, encoding: .utf8)
        try "<p>{{explorer.size}}</p>".write(to: root.appendingPathComponent("templates/log.mustache"), atomically: true, encoding: .utf8)
        try "<p>{{message}}</p>".write(to: root.appendingPathComponent("templates/error.mustache"), atomically: true, encoding: .utf8)
        let ledger = try await TestLedger.make()
        let web = try await WebApplication.load(
            node: ledger.node, credentials: InMemoryCredentialStore(), configuration: WebConfiguration(root: root, secret: SymmetricKey(size: .bits256)),
            logger: .init(label: "test"))
        let app = Application(router: buildRouter(node: ledger.node, web: web))
        try await app.test(.router) { client in
            let before = ledger.node.size
            let first = try await client.execute(uri: "/explorer", method: .get)
            #expect(String(buffer: first.body) == "<p>\(before)</p>")
            let again = try await client.execute(uri: "/explorer", method: .get)
            #expect(again.body == first.body)
            _ = try await ledger.node.ping()
            let after = try await client.execute(uri: "/explorer", method: .get)
            #expect(String(buffer: after.body) == "<p>\(before + 1)</p>")
        }
    }
}
