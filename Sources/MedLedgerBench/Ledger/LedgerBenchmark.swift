import Crypto
import Foundation
import MedLedgerCore
import MedLedgerNode
import Synchronization

/// Load generator behind `medledger bench ledger`: pre-signs operator pings with the node's service
/// key (the only key admission takes pings from), submits them from concurrent submitters and
/// measures throughput and submit-to-durable latency.
public struct LedgerBenchmark: Sendable {
    /// How the timed run submits.
    public struct Options: Sendable {
        public var submitters: Int
        /// Target submissions per second; 0 submits as fast as the node accepts.
        public var rate: Int

        public init(submitters: Int, rate: Int) {
            self.submitters = submitters
            self.rate = rate
        }
    }

    /// The timed run's figures.
    public struct RunResult: Sendable {
        public var seconds: Double
        public var accepted: Int
        public var failed: Int
        public var firstError: String?
        /// Milliseconds from (scheduled) submission to durable receipt, sorted.
        public var latencies: [Double]

        public func percentile(_ p: Double) -> Double { latencies.percentile(p) }

        /// Accepted submissions per second of the run.
        public var throughput: Double { Double(accepted) / max(seconds, 1e-9) }
    }

    /// Signs `count` ping envelopes with `signer` (the node's ``LedgerNode/service`` signer), each
    /// with a fresh nonce, on every core.
    public static func presign(count: Int, signer: EnvelopeSigner, expires: Int64, progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> [[UInt8]] {
        let parts = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let done = Counter()
        return try await withThrowingTaskGroup(of: (Int, [[UInt8]]).self) { group in
            for part in 0..<parts {
                group.addTask {
                    var out: [[UInt8]] = []
                    var i = part
                    while i < count {
                        out.append(try signer.sign(PingBody(), expires: expires))
                        i += parts
                        let total = done.increment()
                        if total % 10_000 == 0 { progress(total) }
                    }
                    return (part, out)
                }
            }
            var byPart = [[[UInt8]]](repeating: [], count: parts)
            for try await (part, envelopes) in group { byPart[part] = envelopes }
            // Interleave back into submission order i = part + k·parts.
            var result: [[UInt8]] = []
            result.reserveCapacity(count)
            for k in 0..<((count + parts - 1) / parts) {
                for part in 0..<parts where k < byPart[part].count { result.append(byPart[part][k]) }
            }
            return result
        }
    }

    /// Submits every envelope through `submit` from `options.submitters` concurrent tasks.
    public static func run(
        envelopes: [[UInt8]], options: Options, submit: @escaping @Sendable ([UInt8]) async throws -> Void,
        progress: @escaping @Sendable (Int) -> Void = { _ in }
    ) async -> RunResult {
        let next = Counter()
        let completed = Counter()
        let clock = ContinuousClock()
        let start = clock.now
        let interval: Duration? = options.rate > 0 ? .nanoseconds(1_000_000_000 / options.rate) : nil
        struct Part: Sendable {
            var latencies: [Double] = []
            var failed = 0
            var firstError: String?
        }
        let parts = await withTaskGroup(of: Part.self) { group in
            for _ in 0..<max(options.submitters, 1) {
                group.addTask {
                    var part = Part()
                    while true {
                        let i = next.increment() - 1
                        guard i < envelopes.count else { break }
                        var began = clock.now
                        if let interval {
                            // Open loop: latency counts from the scheduled time, so queueing is not hidden.
                            began = start + interval * i
                            if began > clock.now { try? await clock.sleep(until: began) }
                        }
                        do {
                            try await submit(envelopes[i])
                            let elapsed = clock.now - began
                            part.latencies.append(elapsed.inSeconds * 1e3)
                        } catch {
                            part.failed += 1
                            if part.firstError == nil { part.firstError = "\(error)" }
                        }
                        let total = completed.increment()
                        if total % 5_000 == 0 { progress(total) }
                    }
                    return part
                }
            }
            var all: [Part] = []
            for await part in group { all.append(part) }
            return all
        }
        return RunResult(
            seconds: (clock.now - start).inSeconds,
            accepted: parts.reduce(0) { $0 + $1.latencies.count },
            failed: parts.reduce(0) { $0 + $1.failed },
            firstError: parts.compactMap(\.firstError).first,
            latencies: parts.flatMap(\.latencies).sorted()
        )
    }

    /// Envelopes per second that `verifier` checks with one task per core: the ceiling for the
    /// sequencer's throughput on this machine.
    public static func verificationRate(envelopes: [[UInt8]], verifier: EnvelopeVerifier, now: Int64) async throws -> Double {
        let parts = max(ProcessInfo.processInfo.activeProcessorCount, 1)
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for part in 0..<parts {
                    group.addTask {
                        var i = part
                        while i < envelopes.count {
                            _ = try verifier.verify(envelopes[i], now: now)
                            i += parts
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        return Double(envelopes.count) / elapsed.inSeconds
    }

    /// Average microseconds to build an inclusion proof from the store and verify it, over `samples`
    /// random entries of the node's published tree. The same entries are proved twice: the first
    /// pass reads pages that may not be in memory yet, the second shows the steady state of a node
    /// whose working set is cached.
    public static func proofMicroseconds(node: LedgerNode, samples: Int) async throws -> (first: Double, repeated: Double) {
        let size = node.size
        guard size > 0, let root = node.checkpoint?.checkpoint.root else { return (0, 0) }
        let indexes = (0..<samples).map { _ in UInt64.random(in: 0..<size) }
        var leaves: [UInt64: TreeHash] = [:]
        for index in indexes.sorted() {
            leaves[index] = try await node.leafHash(at: index)
        }
        let clock = ContinuousClock()
        var passes: [Double] = []
        for _ in 0..<2 {
            let start = clock.now
            for index in indexes {
                let proof = try await node.inclusionProof(index: index, size: size)
                guard MerkleProofVerifier.verifyInclusion(leaf: leaves[index]!, index: index, size: size, proof: proof, root: root) else {
                    throw LedgerNodeError.outOfRange
                }
            }
            passes.append((clock.now - start).inSeconds * 1e6 / Double(max(samples, 1)))
        }
        return (passes[0], passes[1])
    }
}

/// A shared counter for benchmark workers.
public final class Counter: Sendable {
    private let atomic = Atomic<Int>(0)

    public init() {}

    /// Adds one and returns the new value.
    @discardableResult
    public func increment() -> Int { atomic.add(1, ordering: .relaxed).newValue }

    public var value: Int { atomic.load(ordering: .relaxed) }
}

extension Duration {
    /// The duration in seconds, as a floating-point number for reports.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
