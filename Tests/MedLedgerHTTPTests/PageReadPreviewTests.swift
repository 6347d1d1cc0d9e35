import Foundation
import Hummingbird
import HummingbirdTesting
import MedLedgerCore
import MedLedgerNode
import MedLedgerTestSupport
import Testing

@testable import MedLedgerHTTP

/// Pages ask the contracts before reading: a read they would refuse is never put on the ledger,
/// and the page says why in plain words.
@Suite("page reads the contracts would refuse")
struct PageReadPreviewTests {
    @Test("a page read the contracts would refuse is not issued: nothing lands on the ledger and the page says why plainly")
    func refusedReadIsNotIssued() async throws {
        let fixture = try await WebAuthTests.fixture()
        let carol = try await WebAuthTests.user(fixture, username: "carol")
        let dave = try await WebAuthTests.user(fixture, username: "dave")
        try await fixture.app.test(.router) { client in
            let (cookie, _) = try await WebAuthTests.signIn(client, fixture, carol)
            let before = fixture.ledger.node.size
            let page = try await client.execute(uri: "/theirs?patient=\(dave.credential.address.rawValue)", method: .get, headers: [.cookie: cookie])
            #expect(page.status == .ok)
            let text = String(buffer: page.body)
            #expect(text.contains("You have no access to this patient"))
            #expect(!text.contains("Denied:"))
            #expect(fixture.ledger.node.size == before)

            // A read the contracts allow is still issued and audited.
            _ = try await client.execute(uri: "/mine", method: .get, headers: [.cookie: cookie])
            let events = try await fixture.ledger.store.events(entries: before..<fixture.ledger.node.size)
            #expect(events.map(\.action) == [PageView.transactionType])
            #expect(events.allSatisfy { $0.outcome == .allowed })
        }
    }

    @Test("ledger denials become plain sentences, addressed to the refused account or to onlookers")
    func denialSentences() {
        let raw = "Denied: List records of patient ml0123 — the patient has not granted this account access"
        #expect(DenialText.reason(of: raw) == "the patient has not granted this account access")
        #expect(DenialText.plain(raw).hasPrefix("You have no access to this patient's records"))
        #expect(DenialText.plain(raw, for: .onlooker) == "The patient has not granted this account access, or the grant ended.")
        #expect(DenialText.plain("Denied: View record r — the patient's records were erased at entry 9; their content no longer exists")
            == "The patient's records were erased at their request; they no longer exist.")
        #expect(DenialText.plain("Denied: Grant g — a pharmacy account cannot do this", for: .onlooker) == "The account's role does not allow this.")
        #expect(DenialText.plain("Denied: Something — an unforeseen reason") == "Refused: an unforeseen reason.")
    }
}
