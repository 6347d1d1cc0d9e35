import Crypto
import Foundation
import Logging
import MedLedgerCore
import MedLedgerNode

/// `medledger bench audit`: the auditor's tools at scale — the tally check of a record with many
/// versions, the offline verification of a bundle with many events, and a witness's cosigning round
/// trip (docs/BENCHMARKS.md).
public struct AuditBench: RunsInContext, Sendable {
    /// What to run; the command-line options map one to one.
    public struct Configuration: Sendable {
        /// Versions of the tallied record.
        public var versions = 1_000
        /// Events in the verified bundle.
        public var events = 10_000
        public var witnessCalls = 1_000
        /// Timed repetitions of each measurement (the median is reported).
        public var runs = 5

        public init() {}
    }

    let configuration: Configuration
    let context: BenchContext

    public init(configuration: Configuration, context: BenchContext) { (self.configuration, self.context) = (configuration, context) }

    public func run() async throws -> AuditBenchReport {
        let (versions, events, runs, witnessCalls) = (configuration.versions, configuration.events, configuration.runs, configuration.witnessCalls)
        let progress = progress
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        var result = AuditBenchReport(versions: versions, events: events, runs: runs)
        let start = CPUSample()
        let node = try await ledgers.initialise(path: path, logger: logger).node
        guard let blobs = node.blobs else { throw BenchError("the node has no content store") }
        let patient = EnvelopeSigner(key: P256.Signing.PrivateKey(), origin: node.origin)
        func submit(_ body: some TransactionBody) async throws {
            let receipt = try await node.submit(try patient.sign(body, expires: LedgerNode.systemClock() + 600_000))
            guard receipt.contract?.allowed == true else { throw BenchError("the benchmark's \(type(of: body)) was denied") }
        }
        try await submit(RegisterPatient())

        // A record with `versions` versions, each a small object in the file store.
        for number in 1...versions {
            let cid = try await blobs.put(Array("blood pressure reading \(number): 120/80 mmHg".utf8), owner: patient.address, uploader: patient.address)
            if number == 1 {
                try await submit(AddDocument(id: "tallied", category: .labResults, content: cid))
            } else {
                try await submit(UpdateRecord(record: "tallied", content: cid, baseVersion: number - 1))
            }
            progress.show("writing versions", number, versions)
        }
        var tallyTimes: [Double] = []
        for _ in 0..<runs {
            let clock = ContinuousClock()
            var report: TallyReport?
            let elapsed = try await clock.measure { report = try await node.tally(record: "tallied") }
            guard let report, report.tallies, report.versions == versions else {
                throw BenchError("the benchmark's record did not tally: \(report?.discrepancies.first ?? "no report")")
            }
            tallyTimes.append(elapsed.inSeconds * 1e3)
        }
        result.tally_ms = tallyTimes
        result.tally_median_ms = tallyTimes.median

        // A record with `events` events: the patient's own reads, submitted concurrently.
        let cid = try await blobs.put(Array("a much-read note".utf8), owner: patient.address, uploader: patient.address)
        try await submit(AddDocument(id: "bundled", category: .visitNotes, content: cid))
        let reads = try (1..<events).map { _ in try patient.sign(ViewRecord(record: "bundled"), expires: LedgerNode.systemClock() + 3_600_000) }
        let done = Counter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for chunk in stride(from: 0, to: reads.count, by: max(1, reads.count / 64)) {
                let slice = reads[chunk..<min(chunk + max(1, reads.count / 64), reads.count)]
                group.addTask {
                    for envelope in slice {
                        _ = try await node.query(envelope, loadContent: false)
                        done.increment()
                    }
                }
            }
            while done.value < reads.count {
                try await Task.sleep(for: .milliseconds(200))
                progress.show("reading", done.value, reads.count)
            }
            try await group.waitForAll()
        }
        progress.show("reading", reads.count, reads.count)
        let clock = ContinuousClock()
        var bundleBytes: [UInt8] = []
        let exportElapsed = try await clock.measure {
            let bundle = try await node.auditBundle(record: "bundled")
            bundleBytes = [UInt8](try JSONEncoder().encode(bundle))
        }
        result.bundle_export_ms = exportElapsed.inSeconds * 1e3
        result.bundle_bytes = bundleBytes.count
        let verifier = AuditBundleVerifier(logKey: node.verifierKey)
        var verifyTimes: [Double] = []
        for _ in 0..<runs {
            let started = clock.now
            let report = await verifier.verify(json: bundleBytes)
            let elapsed = clock.now - started
            guard report.isValid, report.eventsChecked == events else {
                throw BenchError("the benchmark's bundle did not verify: \(report.failures.first ?? "\(report.eventsChecked) events checked")")
            }
            verifyTimes.append(elapsed.inSeconds * 1e3)
        }
        result.bundle_verify_ms = verifyTimes
        result.bundle_verify_median_ms = verifyTimes.median

        // Witness cosigning: a real witness server on loopback, the node's HTTP client.
        result.witness = try await measureWitnessRoundTrips(count: witnessCalls, logger: logger)

        let end = CPUSample()
        result.other_processes_cpu_s = end.others.flatMap { later in start.others.map { ((later - $0) * 100).rounded() / 100 } }
        result.machine.loadAverageEnd = MachineInfo.loadAverage()
        return result
    }
}
