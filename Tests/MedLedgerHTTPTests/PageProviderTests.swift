import Foundation
import Testing

@testable import MedLedgerHTTP

/// Page providers are named in `pages/*.json` and decoded to ``PageProvider`` when the tables load,
/// so a misspelt name stops start-up instead of failing a visitor's request.
@Suite("page providers")
struct PageProviderTests {
    static func folder(_ table: String) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-pages-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try table.write(to: folder.appendingPathComponent("test.json"), atomically: true, encoding: .utf8)
        return folder
    }

    @Test("an unknown provider name fails the page table's load, naming the file")
    func unknownProviderFailsLoad() throws {
        let folder = try Self.folder(#"[{"path": "/x", "template": "plain", "title": "X", "providers": ["explorer", "weather"]}]"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(throws: WebSetupError.self) { try PageSpec.load(from: folder) }
        #expect(error.description.contains("pages/test.json"))
        #expect(error.description.contains("weather"))
    }

    @Test("known provider names decode to their cases")
    func knownProvidersDecode() throws {
        let folder = try Self.folder(#"[{"path": "/x", "template": "plain", "title": "X", "providers": ["demoAccounts", "tally"]}]"#)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try PageSpec.load(from: folder).first?.providers == [.demoAccounts, .tally])
    }

    @Test("every provider the bundled pages name is known")
    func bundledPagesLoad() throws {
        let pages = try PageSpec.load(from: WebConfiguration.bundledRoot.appendingPathComponent("pages"))
        #expect(pages.contains { !($0.providers ?? []).isEmpty })
    }

    @Test("a template context is keyed by the provider's name as the page table spells it")
    func contextKey() {
        var context: [String: Any] = [:]
        context[PageProvider.signups] = ["waiting"]
        #expect(context["signups"] as? [String] == ["waiting"])
    }
}
