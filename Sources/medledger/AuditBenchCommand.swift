import ArgumentParser
import Foundation
import MedLedgerCore
import MedLedgerNode
import MedLedgerStorage

/// `medledger bench audit`: the auditor's tools at scale — the tally check of a record with many
/// versions, the offline verification of a bundle with many events, and a witness's cosigning round
/// trip (docs/BENCHMARKS.md).
struct AuditBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Time the tally check of a record with many versions and the verification of a large audit bundle."
    )

    @Option(name: .long, help: "Versions of the tallied record.")
    var versions: Int = 1_000

    @Option(name: .long, help: "Events in the verified bundle.")
    var events: Int = 10_000

    @Option(name: .long, help: "Witness cosigning round trips to time.")
    var witnessCalls: Int = 1_000

    @Option(name: .long, help: "Timed repetitions of each measurement (the median is reported).")
    var runs: Int = 5

    @Flag(name: .long, help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        guard versions >= 1, events >= 1, runs >= 1, witnessCalls >= 1 else {
            throw ValidationError("versions, events, witness calls and runs must be positive.")
        }
    }

    func run() async throws {
        let progress = Progress()
        let logger = makeLogger("medledger.bench", level: .warning)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let directory = DataDirectory(path: path)
        var result = AuditBenchResult(versions: versions, events: events, runs: runs)
        let start = CPUSample()
        let (node, _, _) = try await initialise(directory, origin: "bench.medledger.localhost/log", adminKey: nil, adminName: "Bench", logger: logger)
        guard let blobs = node.blobs else { throw CLIError("the node has no content store") }
        let patient = EnvelopeSigner(key: P256Key(), origin: node.origin)
        func submit(_ body: some TransactionBody) async throws {
            let receipt = try await node.submit(try patient.sign(body, expires: LedgerNode.systemClock() + 600_000))
            guard receipt.contract?.allowed == true else { throw CLIError("the benchmark's \(type(of: body)) was denied") }
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
                throw CLIError("the benchmark's record did not tally: \(report?.discrepancies.first ?? "no report")")
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
            var report = AuditBundleReport()
            let elapsed = clock.measure { report = verifier.verify(json: bundleBytes) }
            guard report.isValid, report.eventsChecked == events else {
                throw CLIError("the benchmark's bundle did not verify: \(report.failures.first ?? "\(report.eventsChecked) events checked")")
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
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(result), as: UTF8.self))
        } else {
            print("""
                tally of a record with \(versions) versions: median \(String(format: "%.1f", result.tally_median_ms)) ms (target ≤ 100 ms)
                witness cosign round trip (\(witnessCalls) calls, loopback): p50 \(String(format: "%.2f", result.witness?.p50_ms ?? 0)) ms, p99 \(String(format: "%.2f", result.witness?.p99_ms ?? 0)) ms (target p99 ≤ 10 ms)
                bundle of \(events) events (\(result.bundle_bytes / 1024) KiB): exported in \(String(format: "%.0f", result.bundle_export_ms)) ms, verified in median \(String(format: "%.1f", result.bundle_verify_median_ms)) ms (target ≤ 1,000 ms)
                """)
        }
    }
}

/// The JSON `bench audit` prints.
struct AuditBenchResult: Encodable {
    var versions: Int
    var events: Int
    var runs: Int
    var tally_ms: [Double] = []
    var tally_median_ms = 0.0
    var bundle_bytes = 0
    var bundle_export_ms = 0.0
    var bundle_verify_ms: [Double] = []
    var bundle_verify_median_ms = 0.0
    var witness: WitnessBenchFigures?
    var other_processes_cpu_s: Double?
    var machine = MachineInfo()
}
