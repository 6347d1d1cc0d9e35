import Crypto
import Foundation
import Logging
import MedLedgerClient
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix

/// `medledger bench fhir`: the FHIR API as a SMART app uses it. A fresh ledger and the full server
/// on a free local port, a patient with `records` records and a password, a registered app, and a
/// token obtained through the real OAuth flow over HTTP; then `GET /fhir/Patient/<id>` and
/// `GET /fhir/DocumentReference?patient=<id>` at a fixed arrival rate (open loop, latency from
/// each request's scheduled send time), and one `$export` of the patient timed from kick-off to
/// the complete manifest. Every FHIR read is a ledger entry signed with the app's session key, so
/// the figures include the audit write of each read.
public struct FHIRBench: Sendable {
    /// Requests per second; several values run every target at each rate.
    public var rate: [Int] = [500]
    /// Measured seconds per target and rate.
    public var duration: Double = 10
    /// Unmeasured seconds at the same rate before each measurement.
    public var warmup: Double = 2
    /// Keep-alive HTTP/1.1 connections the requests are spread over.
    public var connections: Int = 16
    /// Records the patient holds (the export reads them all; the search pages through them).
    public var records: Int = 1_000
    /// The p99 target in milliseconds that each target's `meets_target` checks.
    public var p99Target: Double = 10
    /// The export target in milliseconds (kick-off to complete manifest).
    public var exportTarget: Double = 1_000
    /// Seconds to wait for answers still outstanding after the last scheduled request.
    public var drain: Double = 5
    /// Skip the export measurement.
    public var skipExport = false
    /// Use this data directory (it must be new: the benchmark registers its app as the first
    /// administrator) instead of a temporary one.
    public var data: String?
    /// How the run makes its ledger (the command-line tool's wiring).
    public var ledgers: any BenchLedgers

    static let clientID = "fhir-bench-app"
    static let redirectURI = "http://127.0.0.1/fhir-bench/callback"
    static let scopes = "launch/patient openid fhirUser patient/*.rs"

    public init(ledgers: any BenchLedgers) {
        self.ledgers = ledgers
    }

    public func run(progress: TerminalProgress = TerminalProgress()) async throws -> FHIRBenchResult {
        var scratch = HTTPBench(ledgers: ledgers)
        scratch.data = data
        return try await scratch.withScratch(named: "fhir", keep: false) { path, group in
            try await selfContained(path: path, group: group, progress: progress)
        }
    }

    private func selfContained(path: String, group: MultiThreadedEventLoopGroup, progress: TerminalProgress) async throws -> FHIRBenchResult {
        let logger = HTTPBench.logger("medledger.bench", level: .warning)
        let opened = try await ledgers.openOrInitialise(path: path, logger: logger)
        guard let admin = opened.admin else { throw BenchError("bench fhir needs a new data directory: it registers its app as the first administrator") }
        let (node, storage) = (opened.node, opened.storage)

        progress.line("preparing a patient with \(records) record(s) and registering the app…")
        let patient = try await FHIRBenchPatient.create(node: node, credentials: storage.credentials, records: records)
        let register = try EnvelopeSigner(key: admin, origin: node.origin).sign(
            RegisterApp(id: Self.clientID, name: "FHIR benchmark", redirectURIs: [Self.redirectURI]), expires: node.clock() + 60_000
        )
        try await BenchSignUp.submitAllowed(node, register)

        let web = try await WebApplication.load(
            node: node, credentials: storage.credentials, configuration: WebConfiguration(secret: try DataDirectory(path: path).webSecret()),
            logger: logger
        )
        let port = try await HTTPBench.freePort(group: group)
        let app = try buildApplication(
            node: node, web: web, host: "127.0.0.1", port: port, services: storage.services + [node],
            logger: HTTPBench.logger("medledger.bench.server", level: .critical)
        )
        let server = try HTTPEndpoint("http://127.0.0.1:\(port)")
        var report = FHIRBenchResult(url: server.description, settings: settings)
        report.notes.append("in-process server on \(server.description); data directory \(data ?? "temporary")")

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.run() }
            defer { tasks.cancelAll() }
            try await server.waitUntilServing()
            progress.line("authorising the app over HTTP (sign-in, authorise page, code, token)…")
            let token = try await SMARTAuthorization(server: server, origin: node.origin).token(
                key: patient.key, username: patient.username, password: patient.password,
                clientID: Self.clientID, redirectURI: Self.redirectURI, scopes: Self.scopes
            )
            report.token_scope = token.scope
            let id = patient.address.rawValue
            let targets = ["/fhir/Patient/\(id)", "/fhir/DocumentReference?patient=\(id)"]
            for target in targets {
                let probe = try await server.client.send(.GET, target, headers: [("Authorization", "Bearer \(token.access_token)")])
                guard probe.status == 200 else { throw BenchError("\(target) answered HTTP \(probe.status): \(probe.excerpt)") }
            }
            report.targets = try await measure(targets, token: token.access_token, server: server, group: group, ledgerSize: { node.size }, progress: progress)
            if !skipExport {
                report.export = try await timeExport(patient: id, token: token.access_token, server: server, ledgerSize: { node.size }, progress: progress)
            }
            report.machine.loadAverageEnd = MachineInfo.loadAverage()
            return report
        }
    }

    private var settings: FHIRBenchResult.Settings {
        .init(load: OpenLoopSettings(self), records: records, export_target_ms: exportTarget)
    }

    private func measure(
        _ targets: [String], token: String, server: HTTPEndpoint, group: MultiThreadedEventLoopGroup,
        ledgerSize: @escaping @Sendable () -> UInt64, progress: TerminalProgress
    ) async throws -> [HTTPTargetResult] {
        let headers = HTTPHeaders([
            ("Host", server.hostHeader), ("User-Agent", "medledger-bench"), ("Accept", "application/fhir+json"),
            ("Authorization", "Bearer \(token)"),
        ])
        var results: [HTTPTargetResult] = []
        for target in targets {
            results += try await measure(
                path: target, headers: headers, signedIn: true, server: server, group: group, ledgerSize: ledgerSize, progress: progress)
        }
        return results
    }

    /// Kicks off `GET /fhir/Patient/<id>/$export`, polls its status URL every 5 ms until the
    /// manifest is complete, then downloads every file.
    private func timeExport(
        patient: String, token: String, server: HTTPEndpoint, ledgerSize: @Sendable () -> UInt64, progress: TerminalProgress
    ) async throws -> FHIRExportTiming {
        progress.line("exporting the patient's \(records) records ($export)…")
        let bearer = ("Authorization", "Bearer \(token)")
        let clock = ContinuousClock()
        let sizeBefore = ledgerSize()
        let started = clock.now
        let kick = try await server.client.send(
            .GET, "/fhir/Patient/\(patient)/$export", headers: [bearer, ("Prefer", "respond-async"), ("Accept", "application/fhir+json")]
        )
        guard kick.status == 202, let location = kick.headers["Content-Location"].first else {
            throw BenchError("$export kick-off answered HTTP \(kick.status): \(kick.excerpt)")
        }
        let statusPath = Self.pathAndQuery(location)
        var polls = 0
        var manifest: ClientAnswer
        while true {
            manifest = try await server.client.send(.GET, statusPath, headers: [bearer, ("Accept", "application/json")])
            polls += 1
            if manifest.status == 200 { break }
            guard manifest.status == 202 else { throw BenchError("$export status answered HTTP \(manifest.status): \(manifest.excerpt)") }
            guard clock.now - started < .seconds(120) else { throw BenchError("$export did not finish in 120 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
        let finished = clock.now
        guard let document = try JSONSerialization.jsonObject(with: Data(manifest.body)) as? [String: Any],
            let output = document["output"] as? [[String: Any]]
        else { throw BenchError("the $export manifest is not a JSON object with output") }
        var bytes = 0
        var counts: [String: Int] = [:]
        for item in output {
            guard let url = item["url"] as? String else { throw BenchError("a manifest output has no url") }
            let file = try await server.client.send(.GET, Self.pathAndQuery(url), headers: [bearer, ("Accept", "application/fhir+ndjson")])
            guard file.status == 200 else { throw BenchError("\(url) answered HTTP \(file.status): \(file.excerpt)") }
            bytes += file.body.count
            if let type = item["type"] as? String { counts[type, default: 0] += (item["count"] as? Int) ?? 0 }
        }
        let downloaded = clock.now
        let kickoffToManifest = Self.milliseconds(finished - started)
        let timing = FHIRExportTiming(
            records: records, kickoff_to_manifest_ms: kickoffToManifest, polls: polls, download_ms: Self.milliseconds(downloaded - finished),
            files: output.count, counts: counts, bytes: bytes, ledger_entries_added: ledgerSize() - sizeBefore,
            meets_target: kickoffToManifest <= exportTarget
        )
        progress.line(
            "$export: manifest after \(HTTPBench.format(timing.kickoff_to_manifest_ms)) ms, \(timing.files) file(s), \(bytes) bytes "
                + "downloaded in \(HTTPBench.format(timing.download_ms)) ms"
        )
        return timing
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1_000 + Double(duration.components.attoseconds) / 1e15
    }

    /// The path and query of an absolute URL the server answered (`Content-Location`, output URLs).
    static func pathAndQuery(_ url: String) -> String {
        guard let components = URLComponents(string: url), !components.percentEncodedPath.isEmpty else { return url }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    }
}
