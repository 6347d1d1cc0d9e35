import Foundation
import Testing

@testable import MedLedgerCore

@Suite("witness state machine")
struct WitnessStateTests {
    let log = WitnessFixtures.logKey()
    let tree = WitnessFixtures.tree(40)
    let rewritten = WitnessFixtures.tree(40, rewritten: true)

    var fresh: WitnessState { WitnessState(logKeys: [log.verifierKey]) }

    func request(old: Int, size: Int, proof: [TreeHash]? = nil, in tree: ReferenceMerkleTree? = nil, note: SignedNote? = nil) -> AddCheckpointRequest {
        let tree = tree ?? self.tree
        return AddCheckpointRequest(
            oldSize: UInt64(old), proof: proof ?? WitnessFixtures.proof(tree, from: old, to: size),
            checkpoint: note ?? WitnessFixtures.checkpoint(tree, size: size, key: log)
        )
    }

    /// A state that has cosigned `size` of the honest tree.
    func state(at size: Int) throws -> WitnessState {
        var state = fresh
        guard case .cosign(let record) = state.decide(request(old: 0, size: size)) else {
            Issue.record("the first checkpoint was not cosigned")
            return state
        }
        state.record(record)
        return state
    }

    @Test("the first checkpoint of a known log, old 0 and no proof, is cosigned and recorded with only the log's signature")
    func firstCheckpoint() throws {
        let note = WitnessFixtures.checkpoint(tree, size: 10, key: log)
        let junk = SignedNote.Signature(name: "someone.else", keyID: [1, 2, 3, 4], signature: [UInt8](repeating: 7, count: 64))
        let action = fresh.decide(request(old: 0, size: 10, note: SignedNote(text: note.text, signatures: note.signatures + [junk])))
        guard case .cosign(let record) = action else { Issue.record("expected cosign, got \(action)"); return }
        #expect(record.size == 10)
        #expect(record.origin == WitnessFixtures.origin)
        #expect(record.checkpoint == note)
        #expect(action.evidence == nil)
    }

    @Test("an unknown origin is 404, whoever signed it")
    func unknownOrigin() {
        let other = WitnessFixtures.logKey(seed: 2, name: "other.example/log")
        #expect(fresh.decide(request(old: 0, size: 5, note: WitnessFixtures.checkpoint(tree, size: 5, key: other))) == .notFound(origin: "other.example/log"))
    }

    @Test("a known origin signed by an untrusted key (same name, other key) is 403")
    func untrustedSignature() {
        let impostor = WitnessFixtures.logKey(seed: 3)
        #expect(fresh.decide(request(old: 0, size: 5, note: WitnessFixtures.checkpoint(tree, size: 5, key: impostor))) == .forbidden)
        // A broken signature by the trusted key is no better.
        let note = WitnessFixtures.checkpoint(tree, size: 5, key: log)
        var bytes = note.signatures[0].signature
        bytes[0] ^= 1
        let broken = SignedNote(text: note.text, signatures: [.init(name: log.name, keyID: log.verifierKey.keyID, signature: bytes)])
        #expect(fresh.decide(request(old: 0, size: 5, note: broken)) == .forbidden)
    }

    @Test("any trusted key of a log with several (a rotation) is accepted")
    func rotatedKey() {
        let next = WitnessFixtures.logKey(seed: 4)
        let state = WitnessState(logKeys: [log.verifierKey, next.verifierKey])
        guard case .cosign = state.decide(request(old: 0, size: 5, note: WitnessFixtures.checkpoint(tree, size: 5, key: next))) else {
            Issue.record("a checkpoint by the second key was refused")
            return
        }
    }

    @Test("old larger than the checkpoint's size is 400")
    func oldBeyondSize() throws {
        let state = try state(at: 10)
        guard case .badRequest = state.decide(request(old: 10, size: 8, proof: [])) else { Issue.record("expected 400"); return }
    }

    @Test("a signed note that is not a checkpoint is 400")
    func notACheckpoint() throws {
        let note = try log.sign(text: "\(WitnessFixtures.origin)\nnot a size\nroot\n")
        guard case .badRequest = fresh.decide(AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: note)) else {
            Issue.record("expected 400")
            return
        }
    }

    @Test("old different from the recorded size is 409 with the recorded size, and keeps no evidence")
    func staleOldSize() throws {
        let state = try state(at: 10)
        #expect(state.decide(request(old: 0, size: 20)) == .conflict(recordedSize: 10, evidence: nil))
        #expect(state.decide(request(old: 5, size: 20)) == .conflict(recordedSize: 10, evidence: nil))
        #expect(fresh.decide(request(old: 5, size: 20)) == .conflict(recordedSize: 0, evidence: nil))
    }

    @Test("a fork attempt: a second checkpoint of the recorded size with another root is 409 and kept as fork evidence")
    func forkAttempt() throws {
        let state = try state(at: 10)
        let fork = request(old: 10, size: 10, in: rewritten)
        let action = state.decide(fork)
        let recorded = try #require(state.records[WitnessFixtures.origin])
        #expect(action == .conflict(recordedSize: 10, evidence: WitnessEvidence(reason: .fork, request: fork, record: recorded)))
        #expect(action.evidence?.reason == .fork)
        #expect(action.evidence?.record?.checkpoint == WitnessFixtures.checkpoint(tree, size: 10, key: log))
    }

    @Test("a recorded empty tree (size 0) cannot be replaced by a size-0 checkpoint with another root: 409 and fork evidence")
    func forkAtSizeZero() throws {
        func empty(root: TreeHash) throws -> SignedNote {
            let body = Checkpoint(origin: log.name, size: 0, root: root, time: 1, previousSize: 0, previousHash: Checkpoint.noPrevious).body
            return try log.sign(text: body)
        }
        var state = fresh
        let honest = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try empty(root: .empty))
        guard case .cosign(let record) = state.decide(honest) else { Issue.record("the empty tree was not cosigned"); return }
        state.record(record)
        let other = AddCheckpointRequest(oldSize: 0, proof: [], checkpoint: try empty(root: .leaf([1])))
        let action = state.decide(other)
        #expect(action == .conflict(recordedSize: 0, evidence: WitnessEvidence(reason: .fork, request: other, record: record)))
    }

    @Test("the recorded checkpoint sent again (old = size, same root) is cosigned again")
    func sameCheckpointAgain() throws {
        let state = try state(at: 10)
        guard case .cosign(let record) = state.decide(request(old: 10, size: 10)) else { Issue.record("expected cosign"); return }
        #expect(record.size == 10)
    }

    @Test("a checkpoint that grows the tree with a valid consistency proof is cosigned; commit moves the record")
    func growth() throws {
        var state = try state(at: 10)
        let action = state.decide(request(old: 10, size: 27))
        guard case .cosign(let record) = action else { Issue.record("expected cosign, got \(action)"); return }
        #expect(state.records[WitnessFixtures.origin]?.size == 10)  // deciding changes nothing
        state.record(record)
        #expect(state.records[WitnessFixtures.origin]?.size == 27)
    }

    @Test("a checkpoint of a rewritten log, with that log's own proof, is 422 and kept as evidence")
    func rewrittenLog() throws {
        let state = try state(at: 10)
        let attempt = request(old: 10, size: 30, in: rewritten)
        let action = state.decide(attempt)
        guard case .unprocessable(let evidence) = action else { Issue.record("expected 422, got \(action)"); return }
        #expect(evidence.reason == .inconsistent)
        #expect(evidence.request == attempt)
        #expect(evidence.record?.size == 10)
    }

    @Test("a proof that is wrong in shape (empty, truncated, extended) is 422")
    func badProofs() throws {
        let state = try state(at: 10)
        let good = WitnessFixtures.proof(tree, from: 10, to: 30)
        for proof in [[], Array(good.dropLast()), good + [good[0]]] {
            guard case .unprocessable = state.decide(request(old: 10, size: 30, proof: proof)) else {
                Issue.record("proof of \(proof.count) hashes was accepted")
                continue
            }
        }
        // From old 0, the only valid proof is the empty one.
        guard case .unprocessable = fresh.decide(request(old: 0, size: 30, proof: good)) else { Issue.record("expected 422"); return }
    }

    @Test("once B's larger checkpoint is recorded, A's request against the older size is 409, never a roll-back")
    func noRollback() throws {
        var state = try state(at: 10)
        let a = request(old: 10, size: 15)
        let b = request(old: 10, size: 20)
        guard case .cosign(let recordB) = state.decide(b) else { Issue.record("B refused"); return }
        state.record(recordB)
        #expect(state.decide(a) == .conflict(recordedSize: 20, evidence: nil))
        #expect(state.records[WitnessFixtures.origin]?.size == 20)
    }
}
