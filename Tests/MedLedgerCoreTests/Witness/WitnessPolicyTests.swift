import Foundation
import Testing

@testable import MedLedgerCore

@Suite("witness policy")
struct WitnessPolicyTests {
    let note = WitnessFixtures.checkpoint(WitnessFixtures.tree(8), size: 8)
    let a = WitnessFixtures.cosigner(seed: 11, name: "witness.example/a")
    let b = WitnessFixtures.cosigner(seed: 12, name: "witness.example/b")
    let c = WitnessFixtures.cosigner(seed: 13, name: "witness.example/c")

    func cosigned(by keys: [CosignerKey], extra: [SignedNote.Signature] = []) throws -> SignedNote {
        SignedNote(text: note.text, signatures: note.signatures + (try keys.map { try $0.cosign(note, time: 100) }) + extra)
    }

    @Test("2 of 3 holds with two valid cosigners, not with one")
    func kOfN() throws {
        let policy = WitnessPolicy(witnesses: [a, b, c].map(\.verifierKey), quorum: 2)
        #expect(!policy.isSatisfied(by: note))
        #expect(!policy.isSatisfied(by: try cosigned(by: [a])))
        #expect(policy.isSatisfied(by: try cosigned(by: [a, c])))
        #expect(policy.cosigners(of: try cosigned(by: [c, a])) == [a.verifierKey, c.verifierKey])
    }

    @Test("one witness signing twice, or listed twice, counts once")
    func countedOnce() throws {
        let twice = try cosigned(by: [a], extra: [try a.cosign(note, time: 200)])
        let policy = WitnessPolicy(witnesses: [a, b].map(\.verifierKey), quorum: 2)
        #expect(!policy.isSatisfied(by: twice))
        let listedTwice = WitnessPolicy(witnesses: [a.verifierKey, a.verifierKey, b.verifierKey], quorum: 2)
        #expect(listedTwice.cosigners(of: twice) == [a.verifierKey])
        #expect(!listedTwice.isSatisfied(by: twice))
    }

    @Test("cosignatures by unknown keys, or over another checkpoint, do not count")
    func unknownAndInvalidIgnored() throws {
        let stranger = WitnessFixtures.cosigner(seed: 99, name: "witness.example/a")  // same name as a, other key
        let otherNote = WitnessFixtures.checkpoint(WitnessFixtures.tree(9), size: 9)
        let stolen = try b.cosign(otherNote, time: 1)
        let policy = WitnessPolicy(witnesses: [a, b].map(\.verifierKey), quorum: 1)
        #expect(!policy.isSatisfied(by: try cosigned(by: [stranger], extra: [stolen])))
    }

    @Test("quorum 0 always holds, even with no witnesses")
    func quorumZero() {
        #expect(WitnessPolicy(witnesses: [], quorum: 0).isSatisfied(by: note))
        #expect(WitnessPolicy(witnesses: [a.verifierKey], quorum: 0).isSatisfied(by: note))
    }
}
