import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import MedLedgerClient
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `medledger bench http`: loads the read pages and API endpoints over HTTP at a fixed arrival
/// rate (open loop) and measures latency from each request's scheduled send time.
///
/// By default it is self-contained: a fresh ledger, the full server (API and web application) on
/// a free local port, a patient with a password credential and records, signed in over HTTP like a
/// browser. `--url` loads a server that is already running instead.
public struct HTTPBench: Sendable {
    /// Requests per second; several values run every target at each rate.
    public var rate: [Int] = [5_000]

    /// Measured seconds per target and rate.
    public var duration: Double = 10

    /// Unmeasured seconds at the same rate before each measurement.
    public var warmup: Double = 2

    /// Keep-alive HTTP/1.1 connections the requests are spread over.
    public var connections: Int = 64

    /// Paths to load instead of the default set; {record} stands for a record of the signed-in patient.
    public var paths: [String] = []

    /// Use this data directory (initialised if it is not) instead of a temporary one; the benchmark adds a patient to it.
    public var data: String?

    /// Load a running server instead (http://host:port); public endpoints only unless --username and --password are given.
    public var url: String?

    /// With --url: sign in as this user for the signed-in pages.
    public var username: String?

    /// With --url: the user's password.
    public var password: String?

    /// The record {record} stands for (default: the benchmark patient's first record, or with --url the first one /patient/records links to).
    public var record: String?

    /// Records the benchmark patient adds (self-contained mode).
    public var records: Int = 2

    /// The p99 target in milliseconds that `meets_target` checks.
    public var p99Target: Double = 5

    /// Seconds to wait for answers still outstanding after the last scheduled request; later ones count as errors.
    public var drain: Double = 5

    /// With --abuse: how many anonymous clients hammer sign-up and log-in.
    public var abuseClients: Int = 32

    /// With --abuse: measured requests per second in total, half to /checkpoint and half to the signed-in page.
    public var abuseRate: Int = 500

    /// How the self-contained run opens or makes its ledger (the command-line tool's wiring).
    public var ledgers: any BenchLedgers

    public init(ledgers: any BenchLedgers) {
        self.ledgers = ledgers
    }

    static func logger(_ label: String, level: Logger.Level) -> Logger {
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }

    /// Loads the targets and returns the figures: against `url` when given, else self-contained.
    public func run(progress: TerminalProgress = TerminalProgress()) async throws -> HTTPBenchResult {
        try await withScratch(named: "http", keep: url != nil) { path, group in
            if let url { return try await againstRunningServer(url, group: group, progress: progress) }
            return try await selfContained(path: path, group: group, progress: progress)
        }
    }

    // MARK: Modes

    private func againstRunningServer(_ url: String, group: MultiThreadedEventLoopGroup, progress: TerminalProgress) async throws -> HTTPBenchResult {
        let server = try HTTPEndpoint(url)
        var report = HTTPBenchResult(mode: "url", url: server.description, settings: settings)
        var cookie: String?
        if let username, let password {
            progress.line("signing in as \(username) (PBKDF2 with the server's iteration count)…")
            let origin = try await server.client.origin()
            cookie = try await BrowserSignIn(server: server, origin: origin).signIn(username: username, password: password)
        }
        var recordID = record
        if recordID == nil, let cookie {
            let page = try await server.request(path: "/patient/records", cookie: cookie)
            recordID = Self.firstRecordLink(in: page.body)
        }
        let targets = try await resolveTargets(server: server, group: group, cookie: cookie, recordID: recordID, notes: &report.notes)
        report.targets = try await measure(targets, server: server, group: group, cookie: cookie, ledgerSize: nil, progress: progress)
        report.machine.loadAverageEnd = MachineInfo.loadAverage()
        return report
    }

    private func selfContained(path: String, group: MultiThreadedEventLoopGroup, progress: TerminalProgress) async throws -> HTTPBenchResult {
        let logger = Self.logger("medledger.bench", level: .warning)
        let opened = try await ledgers.openOrInitialise(path: path, logger: logger)
        let (node, storage) = (opened.node, opened.storage)
        let credentials = storage.credentials

        progress.line("preparing a patient, \(records) record(s) and a full tile…")
        let patient = try await BenchPatient.create(node: node, credentials: credentials, records: records)
        try await Self.fillFirstTile(node: node)

        let web = try await WebApplication.load(
            node: node, credentials: credentials, configuration: WebConfiguration(secret: try DataDirectory(path: path).webSecret()), logger: logger
        )
        let port = try await Self.freePort(group: group)
        // The server is stopped by cancelling its task, which Hummingbird logs as an error; its own
        // logger is quiet so that standard error stays readable (failed requests show as statuses).
        // The node and the checkpointer run as services beside the server, as `serve` runs them.
        let app = try buildApplication(
            node: node, web: web, host: "127.0.0.1", port: port, services: storage.services + [node],
            logger: Self.logger("medledger.bench.server", level: .critical)
        )
        let server = try HTTPEndpoint("http://127.0.0.1:\(port)")
        var report = HTTPBenchResult(mode: "in-process", url: server.description, settings: settings)
        report.notes.append("in-process server on \(server.description); data directory \(data ?? "temporary")")

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.run() }
            defer { tasks.cancelAll() }
            let cookie = try await BrowserSignIn.signInWhenServing(server: server, origin: node.origin, patient: patient, progress: progress)
            let targets = try await resolveTargets(
                server: server, group: group, cookie: cookie, recordID: record ?? patient.recordIDs.first, notes: &report.notes
            )
            report.targets = try await measure(targets, server: server, group: group, cookie: cookie, ledgerSize: { node.size }, progress: progress)
            report.machine.loadAverageEnd = MachineInfo.loadAverage()
            return report
        }
    }

    private var settings: HTTPBenchResult.Settings { OpenLoopSettings(self) }

    // MARK: Targets

    /// A target and the paths to try in order when the first does not exist.
    struct TargetSpec {
        var candidates: [String]
    }

    /// The default set: the public API and pages, then the signed-in patient pages (each a ledger read).
    private func defaultTargets(tilePath: String) -> [TargetSpec] {
        [
            TargetSpec(candidates: ["/checkpoint"]),
            TargetSpec(candidates: [tilePath]),
            TargetSpec(candidates: ["/"]),
            TargetSpec(candidates: ["/explorer"]),
            TargetSpec(candidates: ["/patient/records", "/patient", "/account"]),
            TargetSpec(candidates: ["/records/{record}", "/records/{record}/print"]),
        ]
    }

    struct ResolvedTarget {
        var path: String
        var signedIn: Bool
    }

    /// Checks every target once before loading it: a public answer (2xx) loads it without the
    /// cookie; a redirect to the log-in page loads it signed in; a missing page falls back to the
    /// next candidate, and every substitution is noted.
    private func resolveTargets(
        server: HTTPEndpoint, group: MultiThreadedEventLoopGroup, cookie: String?, recordID: String?, notes: inout [String]
    ) async throws -> [ResolvedTarget] {
        let specs: [TargetSpec]
        if paths.isEmpty {
            let checkpoint = try await server.request(path: "/checkpoint")
            let size = Self.treeSize(checkpointNote: checkpoint.body) ?? 0
            let tile = size >= UInt64(TileRequest.fullWidth) ? "/tile/0/000" : "/tile/0/000.p/\(max(size, 1))"
            if size < UInt64(TileRequest.fullWidth) { notes.append("the tree has \(size) entries, so the tile target is the partial tile \(tile)") }
            specs = defaultTargets(tilePath: tile)
        } else {
            specs = paths.map { TargetSpec(candidates: [$0]) }
        }
        var resolved: [ResolvedTarget] = []
        for spec in specs {
            var chosen: ResolvedTarget?
            for candidate in spec.candidates {
                var path = candidate
                if path.contains("{record}") {
                    guard let recordID else {
                        notes.append("\(candidate): no record known (pass --record); skipped")
                        continue
                    }
                    path = path.replacingOccurrences(of: "{record}", with: recordID)
                }
                let anonymous = try await server.request(path: path)
                if (200..<300).contains(anonymous.status) {
                    chosen = ResolvedTarget(path: path, signedIn: false)
                } else if (300..<400).contains(anonymous.status), anonymous.location?.hasPrefix("/login") == true {
                    guard let cookie else {
                        notes.append("\(path) needs a signed-in user (give --username and --password); skipped")
                        continue
                    }
                    let signed = try await server.request(path: path, cookie: cookie)
                    if (200..<300).contains(signed.status) {
                        chosen = ResolvedTarget(path: path, signedIn: true)
                    } else {
                        notes.append("\(path) answered HTTP \(signed.status) when signed in; skipped")
                    }
                } else {
                    notes.append("\(path) answered HTTP \(anonymous.status)\(anonymous.status == 404 ? " (no such page)" : ""); skipped")
                }
                if let chosen {
                    if candidate != spec.candidates[0] { notes.append("measured \(chosen.path) in place of \(spec.candidates[0])") }
                    break
                }
            }
            if let chosen { resolved.append(chosen) }
        }
        return resolved
    }

    private func measure(
        _ targets: [ResolvedTarget], server: HTTPEndpoint, group: MultiThreadedEventLoopGroup, cookie: String?,
        ledgerSize: (@Sendable () -> UInt64)?, progress: TerminalProgress
    ) async throws -> [HTTPTargetResult] {
        var results: [HTTPTargetResult] = []
        for target in targets {
            var headers = HTTPHeaders([("Host", server.hostHeader), ("User-Agent", "medledger-bench"), ("Accept", "*/*")])
            if target.signedIn, let cookie { headers.add(name: "Cookie", value: cookie) }
            results += try await measure(
                path: target.path, headers: headers, signedIn: target.signedIn, server: server, group: group, ledgerSize: ledgerSize,
                progress: progress)
        }
        return results
    }
}
