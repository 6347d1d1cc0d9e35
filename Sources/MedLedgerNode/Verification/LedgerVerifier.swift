import Foundation
import MedLedgerCore

/// Re-checks a whole ledger from its store: every entry's hash, signature and derived columns,
/// every stored tree hash, every checkpoint's signature, root and link to the one before. It also
/// replays the contracts over the entries, with their block times, and compares the audit events
/// and the final contract state with what is stored.
///
/// It trusts nothing stored except the log's public key, and stops at the first fault, naming it.
public struct LedgerVerifier: Sendable {
    public let store: any LedgerStore
    public let verifierKey: NoteVerifierKey
    public let envelopeVerifier: EnvelopeVerifier
    /// Entries read and checked per step.
    public var chunkSize = 4096
    /// Checkpoints read per page.
    public var checkpointPageSize = 10_000

    public init(store: any LedgerStore, verifierKey: NoteVerifierKey, registry: TransactionTypeRegistry = ContractEngine.registry) {
        self.store = store
        self.verifierKey = verifierKey
        // The log key is named after the log's origin, and every payload must name that origin.
        self.envelopeVerifier = EnvelopeVerifier(registry: registry, origin: verifierKey.name)
    }

    /// What a successful run covered.
    public struct Report: Sendable, Equatable, Codable {
        public var entries: UInt64 = 0
        public var checkpoints: Int = 0
        public var treeNodes: Int = 0
        public var events: Int = 0
        public var stateObjects: Int = 0
    }

    /// Runs every check; `progress` receives (entries checked, latest tree size).
    ///
    /// Checkpoints are streamed alongside the entries, so memory stays bounded however many blocks
    /// the ledger has.
    public func run(progress: @Sendable (UInt64, UInt64) -> Void = { _, _ in }) async throws -> Report {
        var report = Report()
        var stream = CheckpointStream(store: store, verifierKey: verifierKey, pageSize: checkpointPageSize)
        if let replay = try await store.firstReplayedEntry() {
            throw LedgerVerificationError.entry(index: replay, reason: "it reuses the signer and nonce of an earlier entry")
        }
        let expectedSize = (try? await store.head().checkpoint?.checkpoint.size) ?? 0
        var frontier = MerkleFrontier()
        var contracts = ContractState()
        // Verified checkpoints not yet matched against the tree, ascending; all larger than `start`.
        var window: [SignedCheckpoint] = []
        var exhausted = false
        var start: UInt64 = 0
        while true {
            var end = start + UInt64(chunkSize)
            while !exhausted, (window.last?.checkpoint.size ?? 0) < end {
                if let next = try await stream.next() {
                    window.append(next)
                    report.checkpoints += 1
                } else {
                    exhausted = true
                }
            }
            guard let last = window.last else { break }
            end = min(end, last.checkpoint.size)
            let entries = try await store.entries(start..<end)
            let (transactions, times) = try await checkEntries(entries, expected: start..<end, checkpoints: window)
            report.events += try await replay(transactions, times: times, from: start, into: &contracts)
            let leaves = transactions.map(\.leafHash)
            var completed: [MerkleFrontier.CompletedNode] = []
            var matched = 0
            for (entry, leaf) in zip(entries, leaves) {
                completed.append(.init(id: TreeNodeID(level: 0, index: entry.index), hash: leaf))
                completed += frontier.append(leaf)
                while matched < window.count, window[matched].checkpoint.size == frontier.size {
                    let checkpoint = window[matched].checkpoint
                    guard checkpoint.root == frontier.root else {
                        throw LedgerVerificationError.checkpoint(size: checkpoint.size, reason: "its root is not the root of the stored entries")
                    }
                    matched += 1
                }
            }
            window.removeFirst(matched)
            try await checkNodes(completed)
            report.treeNodes += completed.count - entries.count
            report.entries = end
            progress(end, max(expectedSize, end))
            start = end
        }
        if let stray = try await store.entries(start..<(start + 1)).first {
            let reason = start == 0 ? "it is stored without any checkpoint" : "it is stored beyond the latest checkpoint"
            throw LedgerVerificationError.entry(index: stray.index, reason: reason)
        }
        if start > 0 {
            let head = try await store.head()
            guard head.frontier == frontier else {
                throw LedgerVerificationError.checkpoint(size: start, reason: "the stored right edge of the tree differs from the entries")
            }
        }
        if let stray = try await store.events(entries: start..<UInt64(Int64.max)).first {
            throw LedgerVerificationError.event(index: stray.index, reason: "it is stored without an entry")
        }
        if let fault = try await store.firstAuditIndexFault() {
            throw LedgerVerificationError.event(index: fault.index, reason: fault.reason)
        }
        report.stateObjects = try await compareState(contracts)
        return report
    }

    /// Applies the contracts to a chunk of entries and compares the events with the stored ones.
    /// - Returns: the number of events checked.
    private func replay(
        _ transactions: [VerifiedTransaction], times: [Int64], from start: UInt64, into contracts: inout ContractState
    ) async throws -> Int {
        var expected: [AuditEvent] = []
        for (offset, (transaction, time)) in zip(transactions, times).enumerated() {
            if let refusal = BlockBuilder.operatorRefusal(of: transaction, state: contracts) {
                throw LedgerVerificationError.entry(index: start + UInt64(offset), reason: "the ledger's rules refuse it: \(refusal.description)")
            }
            if let outcome = ContractEngine.apply(transaction, index: start + UInt64(offset), time: time, to: &contracts) {
                expected.append(outcome.event)
            }
        }
        _ = contracts.takeChanges()
        let stored = try await store.events(entries: start..<(start + UInt64(transactions.count)))
        for (want, have) in zip(expected, stored) where want != have {
            let index = min(want.index, have.index)
            throw LedgerVerificationError.event(index: index, reason: "the stored event differs from the contracts' replay")
        }
        if expected.count != stored.count {
            let index = expected.count > stored.count ? expected[stored.count].index : stored[expected.count].index
            let reason = expected.count > stored.count ? "it is missing" : "it is stored but the contracts emit no such event"
            throw LedgerVerificationError.event(index: index, reason: reason)
        }
        return expected.count
    }

    /// Compares the replayed contract state with the stored one, naming the first differing object.
    /// - Returns: the number of objects compared.
    private func compareState(_ replayed: ContractState) async throws -> Int {
        let stored: ContractState
        do {
            stored = try await store.contractState()
        } catch let error as LedgerStoreError {
            throw LedgerVerificationError.state(reason: error.description)
        }
        let want = replayed.allObjects
        guard stored != replayed else { return want.count }
        let have = stored.allObjects
        let wantByKey = Dictionary(uniqueKeysWithValues: want.map { ($0.key, $0) })
        let haveByKey = Dictionary(uniqueKeysWithValues: have.map { ($0.key, $0) })
        for key in Set(wantByKey.keys).union(haveByKey.keys).sorted() where wantByKey[key] != haveByKey[key] {
            let reason =
                if haveByKey[key] == nil { "\(key) is missing from the stored state" }
                else if wantByKey[key] == nil { "\(key) is stored but no entry created it" }
                else { "\(key) differs from the contracts' replay" }
            throw LedgerVerificationError.state(reason: reason)
        }
        throw LedgerVerificationError.state(reason: "the stored state differs from the contracts' replay")
    }

    /// Checks a chunk of entries, splitting signature verification across the available cores.
    /// - Returns: the parsed transactions and their block times, in order.
    private func checkEntries(
        _ entries: [StoredEntry], expected: Range<UInt64>, checkpoints: [SignedCheckpoint]
    ) async throws -> ([VerifiedTransaction], [Int64]) {
        for (offset, entry) in entries.enumerated() where entry.index != expected.lowerBound + UInt64(offset) {
            throw LedgerVerificationError.entry(index: expected.lowerBound + UInt64(offset), reason: "it is missing")
        }
        guard entries.count == expected.count else {
            throw LedgerVerificationError.entry(index: expected.lowerBound + UInt64(entries.count), reason: "it is missing")
        }
        // Block time of each entry: the time of the first checkpoint whose size exceeds its index.
        var times: [Int64] = []
        times.reserveCapacity(entries.count)
        var c = 0
        for entry in entries {
            while checkpoints[c].checkpoint.size <= entry.index { c += 1 }
            times.append(checkpoints[c].checkpoint.time)
        }
        let parts = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let stride = max((entries.count + parts - 1) / parts, 1)
        let verifier = envelopeVerifier
        let origin = verifierKey.name
        typealias PartResult = (part: Int, leaves: [VerifiedTransaction], failure: LedgerVerificationError?)
        let results = await withTaskGroup(of: PartResult.self) { group in
            for part in 0..<parts {
                let range = (part * stride)..<min((part + 1) * stride, entries.count)
                guard !range.isEmpty else { continue }
                let slice = Array(entries[range])
                let sliceTimes = Array(times[range])
                group.addTask {
                    var leaves: [VerifiedTransaction] = []
                    leaves.reserveCapacity(slice.count)
                    for (entry, time) in zip(slice, sliceTimes) {
                        switch Self.check(entry, blockTime: time, verifier: verifier, origin: origin) {
                        case .success(let leaf): leaves.append(leaf)
                        case .failure(let failure): return (part, [], failure)
                        }
                    }
                    return (part, leaves, nil)
                }
            }
            var all: [PartResult] = []
            for await result in group { all.append(result) }
            return all.sorted { $0.part < $1.part }
        }
        if let first = results.compactMap(\.failure).min(by: { $0.index < $1.index }) { throw first }
        return (results.flatMap(\.leaves), times)
    }

    /// Checks one entry; on success returns it parsed (its leaf hash computed once, by the parser).
    static func check(
        _ entry: StoredEntry, blockTime: Int64, verifier: EnvelopeVerifier, origin: String
    ) -> Result<VerifiedTransaction, LedgerVerificationError> {
        let transaction: VerifiedTransaction
        do {
            transaction = try verifier.parse(entry.entry)
        } catch {
            return .failure(.entry(index: entry.index, reason: "its envelope does not verify: \(error.description)"))
        }
        guard transaction.type == entry.type, transaction.signer.rawValue == entry.signer, transaction.nonce == entry.nonce else {
            return .failure(.entry(index: entry.index, reason: "its stored type, signer or nonce columns differ from the envelope"))
        }
        if let refusal = BlockBuilder.refusal(of: transaction, at: entry.index, blockTime: blockTime, seen: [], origin: origin) {
            return .failure(.entry(index: entry.index, reason: "the ledger's rules refuse it: \(refusal.description)"))
        }
        return .success(transaction)
    }

    private func checkNodes(_ nodes: [MerkleFrontier.CompletedNode]) async throws {
        guard !nodes.isEmpty else { return }
        let stored: [TreeHash]
        do {
            stored = try await store.hashes(nodes.map(\.id))
        } catch LedgerStoreError.missingHash(let id) {
            throw LedgerVerificationError.treeNode(id, reason: "it is missing")
        } catch LedgerStoreError.corrupt {
            throw LedgerVerificationError.treeNode(nodes[0].id, reason: "a stored hash in this range is not 32 bytes")
        }
        for (node, hash) in zip(nodes, stored) where node.hash != hash {
            throw LedgerVerificationError.treeNode(node.id, reason: "it differs from the hash of the entries below it")
        }
    }
}

/// Reads checkpoints page by page, checking each one's signature, origin, size and link to the one
/// before it.
struct CheckpointStream {
    let store: any LedgerStore
    let verifierKey: NoteVerifierKey
    private var buffer: [StoredCheckpoint] = []
    private var position = 0
    private var previous: Checkpoint?
    private var done = false
    let pageSize: Int

    init(store: any LedgerStore, verifierKey: NoteVerifierKey, pageSize: Int) {
        self.store = store
        self.verifierKey = verifierKey
        self.pageSize = max(pageSize, 1)
    }

    /// The next verified checkpoint, or nil after the last.
    mutating func next() async throws -> SignedCheckpoint? {
        if position == buffer.count {
            guard !done else { return nil }
            buffer = try await store.checkpoints(after: buffer.last?.size ?? 0, limit: pageSize)
            position = 0
            done = buffer.count < pageSize
            if buffer.isEmpty { return nil }
        }
        let stored = buffer[position]
        position += 1
        let checkpoint: SignedCheckpoint
        do {
            let note = try SignedNote.parse(stored.note)
            guard verifierKey.hasSigned(note) else {
                throw LedgerVerificationError.checkpoint(size: stored.size, reason: "its signature does not verify with the log key")
            }
            checkpoint = SignedCheckpoint(checkpoint: try Checkpoint.parse(note.text), note: note)
        } catch let error as LedgerVerificationError {
            throw error
        } catch {
            throw LedgerVerificationError.checkpoint(size: stored.size, reason: "it is not a well-formed checkpoint note")
        }
        let body = checkpoint.checkpoint
        guard body.size == stored.size else {
            throw LedgerVerificationError.checkpoint(size: stored.size, reason: "it is stored under size \(stored.size) but says \(body.size)")
        }
        guard body.origin == verifierKey.name else {
            throw LedgerVerificationError.checkpoint(size: stored.size, reason: "its origin is not \(verifierKey.name)")
        }
        guard body.previousSize == (previous?.size ?? 0), body.previousHash == (previous?.bodyHash ?? Checkpoint.noPrevious) else {
            throw LedgerVerificationError.checkpoint(size: stored.size, reason: "its prev line does not name the checkpoint before it")
        }
        guard body.time >= (previous?.time ?? Int64.min) else {
            throw LedgerVerificationError.checkpoint(size: stored.size, reason: "its time is earlier than the checkpoint before it")
        }
        previous = body
        return checkpoint
    }
}

/// The first fault `verify` found.
public enum LedgerVerificationError: Error, Sendable, CustomStringConvertible {
    case entry(index: UInt64, reason: String)
    case checkpoint(size: UInt64, reason: String)
    case treeNode(TreeNodeID, reason: String)
    /// A stored audit event disagrees with the contracts' replay.
    case event(index: UInt64, reason: String)
    /// The stored contract state disagrees with the contracts' replay.
    case state(reason: String)

    var index: UInt64 {
        switch self {
        case .entry(let index, _), .event(let index, _): index
        case .state: .max
        case .checkpoint(let size, _): size
        case .treeNode(let id, _): id.leaves.lowerBound
        }
    }

    public var description: String {
        switch self {
        case .entry(let index, let reason): "entry \(index) is bad: \(reason)"
        case .checkpoint(let size, let reason): "checkpoint of size \(size) is bad: \(reason)"
        case .treeNode(let id, let reason): "tree hash at \(id) is bad: \(reason)"
        case .event(let index, let reason): "audit event of entry \(index) is bad: \(reason)"
        case .state(let reason): "contract state is bad: \(reason)"
        }
    }
}
