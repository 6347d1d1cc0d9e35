import Foundation
import Testing

@testable import MedLedgerCore

@Suite("authorization table: the contracts' own, published in docs/CONTRACTS.md")
struct AuthorizationTableTests {
    @Test("every contract action has exactly one row, allowed to someone and refused to someone (the node's own actions to no client)")
    func everyActionHasARow() {
        let types = ContractEngine.actions.map { $0.transactionType }
        #expect(Set(types) == Set(AuthorizationMatrix.rules.keys))
        for type in types {
            guard let row = AuthorizationMatrix.rule(for: type) else {
                Issue.record("\(type) has no row")
                continue
            }
            let cells = AuthorizationMatrix.Actor.allCases.flatMap { actor in row.states.compactMap { row.allows(actor, in: $0) } }
            if AuthorizationMatrix.nodeOnly.contains(type) {
                #expect(!cells.contains(true), "\(type) is the node's own and allowed to no client")
                continue
            }
            #expect(cells.contains(true), "\(type) is allowed to nobody")
            #expect(cells.contains(false), "\(type) is allowed to everybody")
        }
    }

    @Test("docs/CONTRACTS.md carries the generated matrix, unchanged")
    func docsMatchTable() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/CONTRACTS.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let start = try #require(text.range(of: "<!-- authorization-matrix:begin -->\n"))
        let end = try #require(text.range(of: "<!-- authorization-matrix:end -->"))
        #expect(String(text[start.upperBound..<end.lowerBound]) == AuthorizationMatrix.markdown(),
            "regenerate with `medledger contracts matrix --markdown`")
    }

    @Test("the engine refuses a role the table does not list, keeping the rule's reason and the event's patient")
    func roleGate() throws {
        var world = try ContractWorld.standard()
        // A pharmacy may never create records, so the table lists no pharmacy cell for record.create;
        // the refusal still names the patient it was aimed at.
        let outcome = try world.submit(
            CreateRecord(id: "rx-2", patient: world.address(.patient), category: .prescriptions, content: cid("rx-2")), by: .pharmacist)
        #expect(!outcome.allowed && outcome.event.patient == world.address(.patient))
        #expect(AuthorizationMatrix.permits(.doctor, "record.create"))
        #expect(!AuthorizationMatrix.permits(.pharmacy, "record.create"))
        #expect(!AuthorizationMatrix.permits(.admin, "record.view"))
        #expect(!AuthorizationMatrix.permits(.doctor, "no.such.action"))
    }
}
