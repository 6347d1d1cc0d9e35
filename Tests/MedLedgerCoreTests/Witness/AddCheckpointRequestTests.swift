import Foundation
import Testing

@testable import MedLedgerCore

@Suite("add-checkpoint request bodies")
struct AddCheckpointRequestTests {
    let tree = WitnessFixtures.tree(20)
    var note: SignedNote { WitnessFixtures.checkpoint(tree, size: 20) }

    func parse(_ text: String) throws(AddCheckpointRequest.ParseError) -> AddCheckpointRequest {
        try AddCheckpointRequest.parse(Array(text.utf8))
    }

    @Test("a serialized request parses back to the same value, proof lines and all")
    func roundTrip() throws {
        for (old, proof) in [(0, [TreeHash]()), (7, WitnessFixtures.proof(tree, from: 7, to: 20)), (20, [])] {
            let request = AddCheckpointRequest(oldSize: UInt64(old), proof: proof, checkpoint: note)
            #expect(try parse(request.serialized) == request)
        }
    }

    @Test("the body is 'old N', one base64 hash per line, a blank line, then the note")
    func wireFormat() {
        let hash = TreeHash([UInt8](repeating: 0xAB, count: 32))!
        let request = AddCheckpointRequest(oldSize: 3, proof: [hash], checkpoint: note)
        #expect(request.serialized == "old 3\nq6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n\n" + note.serialized)
    }

    @Test(
        "malformed bodies are refused",
        arguments: [
            ("", "empty"),
            ("old 5", "no newline"),
            ("old 05\n\n", "leading zero"),
            ("old -1\n\n", "negative"),
            ("old +1\n\n", "plus sign"),
            ("old  1\n\n", "two spaces"),
            ("Old 1\n\n", "capital"),
            ("old 18446744073709551616\n\n", "overflow"),
            ("old 1\nnot base64\n\n", "bad proof line"),
            ("old 1\nq6urqw==\n\n", "short hash"),
            ("old 1\n", "no blank line"),
            ("old 1\n\norigin\n1\n", "note without signatures"),
            ("old 1\r\n\n", "carriage return"),
        ])
    func malformed(body: String, why: String) {
        #expect(throws: AddCheckpointRequest.ParseError.self, "\(why)") { try parse(body + (body.hasSuffix("\n\n") ? note.serialized : "")) }
    }

    @Test("'old 0' is the only spelling of zero, and the largest size parses")
    func sizes() throws {
        #expect(try parse("old 0\n\n" + note.serialized).oldSize == 0)
        #expect(try parse("old 18446744073709551615\n\n" + note.serialized).oldSize == .max)
        #expect(throws: AddCheckpointRequest.ParseError.self) { try parse("old 00\n\n" + note.serialized) }
    }

    @Test("63 proof lines are accepted, 64 are not")
    func proofLineLimit() throws {
        let line = "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s=\n"
        let ok = try parse("old 1\n" + String(repeating: line, count: 63) + "\n" + note.serialized)
        #expect(ok.proof.count == 63)
        #expect(throws: AddCheckpointRequest.ParseError.self) {
            try parse("old 1\n" + String(repeating: line, count: 64) + "\n" + note.serialized)
        }
    }

    @Test("bytes that are not UTF-8 are refused")
    func notUTF8() {
        #expect(throws: AddCheckpointRequest.ParseError.self) { try AddCheckpointRequest.parse(Array("old 1\n\n".utf8) + [0xFF, 0xFE]) }
    }
}

@Suite("tree heads")
struct TreeHeadTests {
    @Test("any tlog-checkpoint parses: three lines, or more with extension lines")
    func generic() throws {
        let root = Base64Coding.standard([UInt8](repeating: 1, count: 32))
        let plain = try TreeHead.parse(noteText: "example.com/log\n42\n\(root)\n")
        #expect(plain.origin == "example.com/log")
        #expect(plain.size == 42)
        #expect(try TreeHead.parse(noteText: "o\n0\n\(root)\next one\next two\n").size == 0)
    }

    @Test("bad heads are refused", arguments: ["o\n1\n", "o\n01\nROOT\n", "o\n1\nAAAA\n", "o\n1\nROOT\n\nx\n", "o\n1\nROOT", "\n1\nROOT\n"])
    func bad(text: String) {
        let root = Base64Coding.standard([UInt8](repeating: 1, count: 32))
        #expect(throws: TreeHead.ParseError.self) { try TreeHead.parse(noteText: text.replacingOccurrences(of: "ROOT", with: root)) }
    }
}
