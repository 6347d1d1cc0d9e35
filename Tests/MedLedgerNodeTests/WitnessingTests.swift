import Crypto
import Foundation
import MedLedgerCore
import MedLedgerTestSupport
import Synchronization
import Testing

@testable import MedLedgerNode

/// A witness in this process: the real state machine and cosigning key behind the
/// ``WitnessClient`` protocol, with switches to make it fail or stall.
final class LocalWitness: WitnessClient {
    enum Mode: Sendable { case up, down, slow(Duration), wrongKey }

    let key: CosignerKey
    private let state: Mutex<(machine: WitnessState, mode: Mode, calls: Int)>

    init(name: String, logKey: NoteVerifierKey, mode: Mode = .up) {
        key = CosignerKey(name: name)
        state = Mutex((WitnessState(logKeys: [logKey]), mode, 0))
    }

    var verifierKey: NoteVerifierKey { key.verifierKey }
    var calls: Int { state.withLock { $0.calls } }
    var recordedSize: UInt64 { state.withLock { $0.machine.records.values.first?.size ?? 0 } }
    func set(_ mode: Mode) { state.withLock { $0.mode = mode } }

    struct Down: Error {}

    func addCheckpoint(oldSize: UInt64, proof: [TreeHash], checkpoint: SignedNote) async throws -> WitnessAnswer {
        let mode = state.withLock { locked -> Mode in
            locked.calls += 1
            return locked.mode
        }
        switch mode {
        case .down: throw Down()
        case .slow(let delay): try await Task.sleep(for: delay)
        case .up, .wrongKey: break
        }
        let action = state.withLock { locked -> WitnessState.Action in
            let action = locked.machine.decide(AddCheckpointRequest(oldSize: oldSize, proof: proof, checkpoint: checkpoint))
            if case .cosign(let record) = action { locked.machine.record(record) }
            return action
        }
        switch action {
        case .cosign(let record):
            let signer = if case .wrongKey = mode { CosignerKey(name: key.name) } else { key }
            return .cosignatures([try signer.cosign(record.checkpoint, time: 1_795_000_000)])
        case .conflict(let size, _): return .conflict(size: size)
        default: return .failure("\(action)")
        }
    }
}

/// A witnessed-checkpoint store in memory.
final class MemoryWitnessedStore: WitnessedCheckpointStore {
    let note = Mutex<SignedNote?>(nil)
    func load() throws -> SignedNote? { note.withLock { $0 } }
    func save(_ note: SignedNote) throws { self.note.withLock { $0 = note } }
}

@Suite("checkpoint witnessing")
struct WitnessingTests {
    static var fast: CheckpointWitnessing.Timing {
        var timing = CheckpointWitnessing.Timing()
        timing.pollInterval = .milliseconds(10)
        timing.requestTimeout = .seconds(5)
        timing.initialBackoff = .milliseconds(100)
        timing.maxBackoff = .milliseconds(400)
        return timing
    }

    /// Waits (up to 30 s, for a loaded machine) until `condition` holds.
    func eventually(_ what: Comment, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("timed out waiting: \(what)")
    }

    func start(_ witnessing: CheckpointWitnessing) -> Task<Void, Never> {
        Task { await witnessing.run() }
    }

    @Test("one of two witnesses down: with quorum 1 the newest checkpoint is served cosigned by the other, and the down one is backed off")
    func oneWitnessDown() async throws {
        let ledger = try await TestLedger.make()
        let up = LocalWitness(name: "witness.example/up", logKey: ledger.node.verifierKey)
        let down = LocalWitness(name: "witness.example/down", logKey: ledger.node.verifierKey, mode: .down)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: up.verifierKey, client: up), .init(key: down.verifierKey, client: down)],
            quorum: 1, timing: Self.fast
        )
        let started = ContinuousClock.now
        let task = start(witnessing)
        defer { task.cancel() }
        for _ in 0..<5 {
            try await ledger.appendPings(20)
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(ledger.node.size == 101)
        try await eventually("the latest checkpoint is witnessed") { witnessing.witnessedCheckpoint?.checkpoint.size == 101 }
        let served = try #require(witnessing.witnessedCheckpoint)
        #expect(ledger.node.verifierKey.hasSigned(served.note))
        #expect(up.verifierKey.cosignatureTime(on: served.note) != nil)
        #expect(down.verifierKey.cosignatureTime(on: served.note) == nil)
        #expect(witnessing.policy.isSatisfied(by: served.note))
        // Backing off: at most one call per 400 ms (the longest back-off) plus the first few,
        // where asking on every 10 ms poll would be forty times that.
        let elapsed = ContinuousClock.now - started
        #expect(down.calls <= Int(elapsed / .milliseconds(400)) + 4)
    }

    @Test("a witness that never answers does not hold sequencing up, nor the other witness's cosignatures", .timeLimit(.minutes(1)))
    func hangingWitness() async throws {
        let ledger = try await TestLedger.make()
        let up = LocalWitness(name: "witness.example/up", logKey: ledger.node.verifierKey)
        let hanging = LocalWitness(name: "witness.example/hanging", logKey: ledger.node.verifierKey, mode: .slow(.seconds(3600)))
        var timing = Self.fast
        timing.requestTimeout = .seconds(3600)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: up.verifierKey, client: up), .init(key: hanging.verifierKey, client: hanging)],
            quorum: 1, timing: timing
        )
        let task = start(witnessing)
        defer { task.cancel() }
        try await eventually("the hanging witness was asked") { hanging.calls == 1 }
        // Its request is still open (an hour to go); were sequencing waiting on it, this would hit the time limit.
        try await ledger.appendPings(40)
        #expect(ledger.node.size == 41)
        try await eventually("the latest checkpoint is witnessed by the other") { witnessing.witnessedCheckpoint?.checkpoint.size == 41 }
        #expect(hanging.calls == 1)
        #expect(hanging.recordedSize == 0)
    }

    @Test("quorum 2 with a slow witness: nothing is served while it times out, then the newest checkpoint both cosigned is")
    func slowWitnessHoldsTheQuorum() async throws {
        let ledger = try await TestLedger.make()
        let fast = LocalWitness(name: "witness.example/fast", logKey: ledger.node.verifierKey)
        let slow = LocalWitness(name: "witness.example/slow", logKey: ledger.node.verifierKey, mode: .slow(.seconds(30)))
        var timing = Self.fast
        timing.requestTimeout = .milliseconds(300)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: fast.verifierKey, client: fast), .init(key: slow.verifierKey, client: slow)],
            quorum: 2, timing: timing
        )
        let task = start(witnessing)
        defer { task.cancel() }
        try await ledger.appendPings(30)
        try await eventually("the fast witness cosigned the latest") { fast.recordedSize == 31 }
        try await Task.sleep(for: .milliseconds(400))  // past the timeout: the slow request was abandoned
        #expect(witnessing.witnessedCheckpoint == nil)
        #expect(slow.calls >= 1)
        slow.set(.up)
        try await ledger.appendPings(5)
        try await eventually("both cosigned the newest checkpoint") { witnessing.witnessedCheckpoint?.checkpoint.size == 36 }
        let served = try #require(witnessing.witnessedCheckpoint)
        #expect(witnessing.policy.cosigners(of: served.note) == [fast.verifierKey, slow.verifierKey])
        // The served note is the log's checkpoint plus exactly the two cosignature lines.
        #expect(served.note.text == ledger.node.checkpoint?.note.text)
        #expect(served.note.signatures.count == 3)
    }

    @Test("a witness that already cosigned an earlier size answers 409; the node adopts that size, proves from it and succeeds")
    func conflictAdoptsWitnessSize() async throws {
        let ledger = try await TestLedger.make()
        try await ledger.appendPings(9)
        let witness = LocalWitness(name: "witness.example/w", logKey: ledger.node.verifierKey)
        // The witness saw size 10 before (say, from this node before a restart).
        let first = try #require(ledger.node.checkpoint)
        let answer = try await witness.addCheckpoint(oldSize: 0, proof: [], checkpoint: first.note)
        guard case .cosignatures = answer else { Issue.record("the witness refused: \(answer)"); return }
        #expect(witness.recordedSize == 10)
        try await ledger.appendPings(7)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: witness.verifierKey, client: witness)], quorum: 1, timing: Self.fast
        )
        let task = start(witnessing)
        defer { task.cancel() }
        try await eventually("size 17 is witnessed") { witnessing.witnessedCheckpoint?.checkpoint.size == 17 }
        #expect(witness.recordedSize == 17)
        #expect(witness.calls == 3)  // the manual call, the 409, the retry
    }

    @Test("cosignatures by a key other than the configured one are dropped, so the policy is not met")
    func foreignCosignatureDropped() async throws {
        let ledger = try await TestLedger.make()
        let witness = LocalWitness(name: "witness.example/w", logKey: ledger.node.verifierKey, mode: .wrongKey)
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: witness.verifierKey, client: witness)], quorum: 1, timing: Self.fast
        )
        let task = start(witnessing)
        defer { task.cancel() }
        try await eventually("the witness was asked") { witness.calls >= 1 }
        try await Task.sleep(for: .milliseconds(100))
        #expect(witnessing.witnessedCheckpoint == nil)
    }

    @Test("the witnessed checkpoint is saved; a restart serves it at once, unless the policy changed under it")
    func restartServesSavedCheckpoint() async throws {
        let ledger = try await TestLedger.make()
        let witness = LocalWitness(name: "witness.example/w", logKey: ledger.node.verifierKey)
        let store = MemoryWitnessedStore()
        let witnessing = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: witness.verifierKey, client: witness)], quorum: 1, store: store, timing: Self.fast
        )
        let task = start(witnessing)
        try await ledger.appendPings(4)
        try await eventually("size 5 is witnessed") { witnessing.witnessedCheckpoint?.checkpoint.size == 5 }
        task.cancel()
        await task.value
        let saved = try #require(try store.load())
        #expect(saved == witnessing.witnessedCheckpoint?.note)

        let restarted = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: witness.verifierKey, client: witness)], quorum: 1, store: store, timing: Self.fast
        )
        #expect(restarted.witnessedCheckpoint?.note == saved)

        let stranger = LocalWitness(name: "witness.example/new", logKey: ledger.node.verifierKey)
        let reconfigured = try CheckpointWitnessing(
            node: ledger.node, witnesses: [.init(key: stranger.verifierKey, client: stranger)], quorum: 1, store: store, timing: Self.fast
        )
        #expect(reconfigured.witnessedCheckpoint == nil)
    }
}
