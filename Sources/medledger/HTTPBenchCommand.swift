import ArgumentParser
import Crypto
import CryptoExtras
import Foundation
import Hummingbird
import Logging
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

/// `medledger bench http`: loads the read pages and API endpoints over HTTP at a fixed arrival
/// rate (open loop) and measures latency from each request's scheduled send time.
///
/// By default it is self-contained: a fresh ledger, the full server (API and web application) on
/// a free local port, a patient with a password credential and records, signed in over HTTP like a
/// browser. `--url` loads a server that is already running instead.
struct HTTPBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http",
        abstract: "Load pages and API endpoints at a fixed request rate and measure latency (open loop).",
        discussion: """
            Targets run one after another, each for --warmup unmeasured seconds and then --duration measured \
            seconds at each --rate. Latency counts from each request's scheduled send time, so waiting for a free \
            connection counts too. The result is one JSON object on standard output.
            """
    )

    @Option(name: .long, parsing: .upToNextOption, help: "Requests per second; several values run every target at each rate.")
    var rate: [Int] = [5_000]

    @Option(name: .long, help: "Measured seconds per target and rate.")
    var duration: Double = 10

    @Option(name: .long, help: "Unmeasured seconds at the same rate before each measurement.")
    var warmup: Double = 2

    @Option(name: .long, help: "Keep-alive HTTP/1.1 connections the requests are spread over.")
    var connections: Int = 64

    @Option(name: .long, parsing: .upToNextOption, help: "Paths to load instead of the default set; {record} stands for a record of the signed-in patient.")
    var paths: [String] = []

    @Option(name: .long, help: "Use this data directory (initialised if it is not) instead of a temporary one; the benchmark adds a patient to it.")
    var data: String?

    @Option(name: .long, help: "Load a running server instead (http://host:port); public endpoints only unless --username and --password are given.")
    var url: String?

    @Option(name: .long, help: "With --url: sign in as this user for the signed-in pages.")
    var username: String?

    @Option(name: .long, help: "With --url: the user's password.")
    var password: String?

    @Option(name: .long, help: "The record {record} stands for (default: the benchmark patient's first record, or with --url the first one /patient/records links to).")
    var record: String?

    @Option(name: .long, help: "Records the benchmark patient adds (self-contained mode).")
    var records: Int = 2

    @Option(name: .long, help: "The p99 target in milliseconds that `meets_target` checks.")
    var p99Target: Double = 5

    @Option(name: .long, help: "Seconds to wait for answers still outstanding after the last scheduled request; later ones count as errors.")
    var drain: Double = 5

    @Flag(name: .long, help: "Abuse mode: anonymous clients hammer sign-up and log-in while /checkpoint and a signed-in page are measured (self-contained only).")
    var abuse = false

    @Option(name: .long, help: "With --abuse: how many anonymous clients hammer sign-up and log-in.")
    var abuseClients: Int = 32

    @Option(name: .long, help: "With --abuse: measured requests per second in total, half to /checkpoint and half to the signed-in page.")
    var abuseRate: Int = 500

    @Flag(name: .long, help: "Accepted for symmetry with the other benchmarks; the output is always JSON.")
    var json = false

    func validate() throws {
        guard !rate.isEmpty, rate.allSatisfy({ $0 > 0 && $0 <= 1_000_000 }) else { throw ValidationError("--rate must be 1 to 1,000,000.") }
        guard duration > 0, warmup >= 0, drain >= 0, connections > 0, connections <= 10_000, records >= 1 else {
            throw ValidationError("--duration and --connections must be positive, --warmup and --drain not negative, --records at least 1.")
        }
        guard data == nil || url == nil else { throw ValidationError("use --data or --url, not both.") }
        guard (username == nil) == (password == nil) else { throw ValidationError("--username and --password go together.") }
        guard url != nil || username == nil else { throw ValidationError("--username and --password are for --url; the self-contained run makes its own patient.") }
        for path in paths where !path.hasPrefix("/") { throw ValidationError("paths start with '/': \(path)") }
        guard !abuse || url == nil else { throw ValidationError("--abuse runs its own server; it cannot be used with --url.") }
        guard (1...1_000).contains(abuseClients), (2...100_000).contains(abuseRate) else {
            throw ValidationError("--abuse-clients must be 1 to 1000 and --abuse-rate 2 to 100000.")
        }
    }

    func run() async throws {
        let progress = Progress()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        if abuse {
            do {
                try await runAbuse(group: group, progress: progress)
            } catch {
                try? await group.shutdownGracefully()
                throw error
            }
            try await group.shutdownGracefully()
            return
        }
        let temporary = url == nil && data == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-http-\(UUID().uuidString)").path : nil
        let report: HTTPBenchResult
        do {
            if let url {
                report = try await againstRunningServer(url, group: group, progress: progress)
            } else {
                report = try await selfContained(path: data ?? temporary!, group: group, progress: progress)
            }
        } catch {
            try? await group.shutdownGracefully()
            if let temporary { await Self.remove(temporary) }
            throw error
        }
        try await group.shutdownGracefully()
        if let temporary { await Self.remove(temporary) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    // MARK: Modes

    private func againstRunningServer(_ url: String, group: MultiThreadedEventLoopGroup, progress: Progress) async throws -> HTTPBenchResult {
        let server = try HTTPEndpoint(url)
        var report = HTTPBenchResult(mode: "url", url: server.description, settings: settings)
        var cookie: String?
        if let username, let password {
            progress.line("signing in as \(username) (PBKDF2 with the server's iteration count)…")
            let origin = try await NodeClient(url: server.description).origin()
            cookie = try await BrowserSignIn(server: server, group: group, origin: origin).signIn(username: username, password: password)
        }
        var recordID = record
        if recordID == nil, let cookie {
            let page = try await server.request(group: group, path: "/patient/records", cookie: cookie)
            recordID = Self.firstRecordLink(in: page.body)
        }
        let targets = try await resolveTargets(server: server, group: group, cookie: cookie, recordID: recordID, notes: &report.notes)
        report.targets = try await measure(targets, server: server, group: group, cookie: cookie, ledgerSize: nil, progress: progress)
        report.machine.loadAverageEnd = MachineInfo.loadAverage()
        return report
    }

    private func selfContained(path: String, group: MultiThreadedEventLoopGroup, progress: Progress) async throws -> HTTPBenchResult {
        let logger = makeLogger("medledger.bench", level: .warning)
        let (node, database) = try await openOrInitialiseBenchLedger(path: path, logger: logger)
        let credentials = SQLiteCredentialStore(database: database)

        progress.line("preparing a patient, \(records) record(s) and a full tile…")
        let patient = try await BenchPatient.create(node: node, credentials: credentials, records: records)
        try await Self.fillFirstTile(node: node)

        let web = try await WebApplication.load(
            node: node, credentials: credentials, configuration: WebConfiguration(secret: try DataDirectory(path: path).webSecret()), logger: logger
        )
        let port = try await Self.freePort(group: group)
        // The server is stopped by cancelling its task, which Hummingbird logs as an error; its own
        // logger is quiet so that standard error stays readable (failed requests show as statuses).
        let app = try buildApplication(node: node, web: web, host: "127.0.0.1", port: port, logger: makeLogger("medledger.bench.server", level: .critical))
        let server = try HTTPEndpoint("http://127.0.0.1:\(port)")
        var report = HTTPBenchResult(mode: "in-process", url: server.description, settings: settings)
        report.notes.append("in-process server on \(server.description); data directory \(data ?? "temporary")")

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.run() }
            defer { tasks.cancelAll() }
            let cookie = try await BrowserSignIn.signInWhenServing(server: server, group: group, origin: node.origin, patient: patient, progress: progress)
            let targets = try await resolveTargets(
                server: server, group: group, cookie: cookie, recordID: record ?? patient.recordIDs.first, notes: &report.notes
            )
            report.targets = try await measure(targets, server: server, group: group, cookie: cookie, ledgerSize: { node.size }, progress: progress)
            report.machine.loadAverageEnd = MachineInfo.loadAverage()
            return report
        }
    }

    private var settings: HTTPBenchResult.Settings {
        .init(rates: rate, duration_s: duration, warmup_s: warmup, drain_s: drain, connections: connections, p99_target_ms: p99Target)
    }

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
            let checkpoint = try await server.request(group: group, path: "/checkpoint")
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
                let anonymous = try await server.request(group: group, path: path)
                if (200..<300).contains(anonymous.status) {
                    chosen = ResolvedTarget(path: path, signedIn: false)
                } else if (300..<400).contains(anonymous.status), anonymous.location?.hasPrefix("/login") == true {
                    guard let cookie else {
                        notes.append("\(path) needs a signed-in user (give --username and --password); skipped")
                        continue
                    }
                    let signed = try await server.request(group: group, path: path, cookie: cookie)
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
        ledgerSize: (@Sendable () -> UInt64)?, progress: Progress
    ) async throws -> [HTTPTargetResult] {
        var results: [HTTPTargetResult] = []
        for target in targets {
            for rate in self.rate {
                var headers = HTTPHeaders([("Host", server.hostHeader), ("User-Agent", "medledger-bench"), ("Accept", "*/*")])
                if target.signedIn, let cookie { headers.add(name: "Cookie", value: cookie) }
                let plan = OpenLoopLoad.Plan(
                    host: server.host, port: server.port,
                    head: HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers),
                    rate: rate, warmupRequests: Int((warmup * Double(rate)).rounded()),
                    measuredRequests: max(1, Int((duration * Double(rate)).rounded())),
                    drain: .nanoseconds(Int64(drain * 1e9)), connections: connections
                )
                let label = "GET \(target.path) at \(rate)/s"
                let sizeBefore = ledgerSize?()
                let cpuBefore = CPUSample()
                let outcome = try await OpenLoopLoad.run(plan, group: group) { done, total in progress.show(label, done, total) }
                let cpuAfter = CPUSample()
                var result = HTTPTargetResult(path: target.path, signed_in: target.signedIn, rate: rate, outcome: outcome, p99Target: p99Target)
                if let ledgerSize, let sizeBefore { result.ledger_entries_added = ledgerSize() - sizeBefore }
                result.recordCPU(from: cpuBefore, to: cpuAfter, requests: outcome.answeredIncludingWarmup)
                progress.line(
                    "\(label): achieved \(Int(result.achieved_per_s))/s, p50 \(Self.format(result.p50_ms)) ms, "
                        + "p99 \(Self.format(result.p99_ms)) ms, max \(Self.format(result.max_ms)) ms, \(result.errors) errors"
                )
                results.append(result)
                // Let the server finish what the previous run left and the disk settle.
                try await Task.sleep(for: .seconds(1))
            }
        }
        return results
    }

    // MARK: Helpers

    /// Removes the temporary data directory once the node is gone. The database's background
    /// checkpointer may still touch its files for a moment, so a failed attempt is retried.
    static func remove(_ path: String) async {
        for _ in 0..<20 {
            if (try? FileManager.default.removeItem(atPath: path)) != nil || !FileManager.default.fileExists(atPath: path) { return }
            try? await Task.sleep(for: .milliseconds(100))
        }
    }

    static func format(_ milliseconds: Double) -> String { String(format: "%.2f", milliseconds) }

    /// The size line of a checkpoint note (origin, size, root, blank line, signatures).
    static func treeSize(checkpointNote body: [UInt8]) -> UInt64? {
        let lines = String(decoding: body, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > 1 else { return nil }
        return UInt64(lines[1])
    }

    /// The first `/records/<id>` link of a page.
    static func firstRecordLink(in body: [UInt8]) -> String? {
        let html = String(decoding: body, as: UTF8.self)
        guard let start = html.range(of: "href=\"/records/") else { return nil }
        let id = html[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return id.isEmpty ? nil : String(id)
    }

    /// Appends pings until the tree holds a full level-0 tile, so `GET /tile/0/000` exists.
    static func fillFirstTile(node: LedgerNode) async throws {
        let missing = TileRequest.fullWidth - Int(min(node.size, UInt64(TileRequest.fullWidth)))
        guard missing > 0 else { return }
        let envelopes = try await LedgerBenchmark.presign(count: missing, signer: node.service, expires: LedgerNode.systemClock() + 3_600_000)
        let run = await LedgerBenchmark.run(envelopes: envelopes, options: .init(submitters: 64, rate: 0), submit: { _ = try await node.submit($0) })
        guard run.failed == 0 else { throw CLIError("could not fill the first tile: \(run.firstError ?? "?")") }
    }

    /// A port the kernel reports free on 127.0.0.1 (bound and released; the server binds it next).
    static func freePort(group: MultiThreadedEventLoopGroup) async throws -> Int {
        let channel = try await ServerBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port
        try await channel.close()
        guard let port else { throw CLIError("could not find a free port") }
        return port
    }
}

// MARK: - Set-up in-process

/// The patient the self-contained run signs in as: registered on the ledger, with a password
/// credential and a few records of their own (`record.add`, content in the node's blob store).
struct BenchPatient {
    let username: String
    let password: String
    let recordIDs: [String]

    static func create(node: LedgerNode, credentials: any CredentialStore, records: Int) async throws -> BenchPatient {
        guard let blobs = node.blobs else { throw CLIError("the node has no content store") }
        let key = P256.Signing.PrivateKey()
        let signer = EnvelopeSigner(key: key, origin: node.origin)
        let suffix = Hex.encode((0..<4).map { _ in UInt8.random(in: 0...255) })
        let username = "bench-patient-\(suffix)"
        let password = Base64Coding.url((0..<18).map { _ in UInt8.random(in: 0...255) })
        // Few PBKDF2 iterations keep the set-up fast; the log-in route takes the count as stored.
        let credential = try CredentialFactory.make(
            username: username, password: password, key: key, role: .patient, iterations: 1_000, now: node.clock()
        )
        try await credentials.insert(credential)
        try await submitAllowed(node, try signer.sign(RegisterPatient(), expires: node.clock() + 60_000))

        var ids: [String] = []
        for number in 1...records {
            let document: [String: String] = [
                "title": "Blood panel \(number)",
                "date": "2026-11-\(String(format: "%02d", 1 + number % 28))",
                "laboratory": "Bench Laboratory",
                "summary": "Haemoglobin 14.1 g/dL, leucocytes 6.2 × 10⁹/L, platelets 250 × 10⁹/L; all within reference ranges.",
                "notes": String(repeating: "Fasting sample, taken at 08:10. ", count: 8),
            ]
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let cid = try await blobs.put(Array(try encoder.encode(document)), owner: signer.address, uploader: signer.address)
            let id = "bench-\(suffix)-\(number)"
            try await submitAllowed(node, try signer.sign(AddDocument(id: id, category: .labResults, content: cid), expires: node.clock() + 60_000))
            ids.append(id)
        }
        return BenchPatient(username: username, password: password, recordIDs: ids)
    }

    private static func submitAllowed(_ node: LedgerNode, _ envelope: [UInt8]) async throws {
        let receipt = try await node.submit(envelope)
        if let outcome = receipt.contract, !outcome.allowed {
            throw CLIError("set-up action refused: \(outcome.event.message)")
        }
    }
}

// MARK: - Browser-style sign-in

/// Signs in exactly as the web pages do (docs/WEB.md): prelogin for the salt, PBKDF2 to the
/// wrapping and authentication keys, log-in, unwrap the key, sign `session.open` for the session
/// key the server handed out, post it, and keep the `ml_session` cookie.
struct BrowserSignIn {
    let server: HTTPEndpoint
    let group: MultiThreadedEventLoopGroup
    /// The ledger's checkpoint origin, which the `session.open` payload names.
    let origin: String

    private struct Prelogin: Decodable { var salt: String; var iterations: Int }
    private struct Login: Decodable {
        var address: String
        var wrappedKey: String
        var sessionKey: String
        var sessionExpires: Int64
    }

    /// Waits until the in-process server answers, then signs `patient` in; returns the cookie.
    static func signInWhenServing(
        server: HTTPEndpoint, group: MultiThreadedEventLoopGroup, origin: String, patient: BenchPatient, progress: Progress
    ) async throws -> String {
        try await server.waitUntilServing(group: group)
        progress.line("signing in over HTTP as \(patient.username)…")
        return try await BrowserSignIn(server: server, group: group, origin: origin).signIn(username: patient.username, password: patient.password)
    }

    func signIn(username: String, password: String) async throws -> String {
        let prelogin: Prelogin = try await postJSON("/auth/prelogin", ["username": username])
        guard let salt = Base64Coding.decodeURL(prelogin.salt), prelogin.iterations > 0 else { throw CLIError("prelogin answered an unusable salt") }
        let bits = try KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: 64, unsafeUncheckedRounds: prelogin.iterations
        ).withUnsafeBytes { Array($0) }
        let login: Login = try await postJSON("/auth/login", ["username": username, "authKey": Base64Coding.url(bits[32..<64])])

        guard let wrapped = Base64Coding.decodeURL(login.wrappedKey) else { throw CLIError("log-in answered an unusable wrapped key") }
        let box = try AES.GCM.SealedBox(combined: wrapped)
        let der = try AES.GCM.open(box, using: SymmetricKey(data: bits[0..<32]), authenticating: Array("medledger-key-v1:\(login.address)".utf8))
        let key = try P256.Signing.PrivateKey(derRepresentation: der)
        guard key.publicKey.address.rawValue == login.address else { throw CLIError("the unwrapped key is not the account's key") }

        let envelope = try EnvelopeSigner(key: key, origin: origin).sign(
            OpenSession(sessionKey: login.sessionKey, expires: login.sessionExpires), expires: LedgerNode.systemClock() + 60_000
        )
        let answer = try await server.request(group: group, method: .POST, path: "/auth/session", body: envelope)
        guard answer.status == 200, let setCookie = answer.headers["Set-Cookie"].first(where: { $0.hasPrefix("ml_session=") }) else {
            throw CLIError("/auth/session answered HTTP \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
        }
        return String(setCookie.split(separator: ";")[0])
    }

    private func postJSON<Answer: Decodable>(_ path: String, _ body: [String: String]) async throws -> Answer {
        let answer = try await server.request(group: group, method: .POST, path: path, body: Array(try JSONEncoder().encode(body)))
        guard answer.status == 200 else {
            throw CLIError("\(path) answered HTTP \(answer.status): \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
        }
        return try JSONDecoder().decode(Answer.self, from: Data(answer.body))
    }
}

// MARK: - Results

/// The JSON `bench http` prints.
struct HTTPBenchResult: Encodable {
    struct Settings: Encodable {
        var rates: [Int]
        var duration_s: Double
        var warmup_s: Double
        var drain_s: Double
        var connections: Int
        var p99_target_ms: Double
    }

    /// "in-process" (server started by the benchmark) or "url".
    var mode: String
    var url: String
    var settings: Settings
    var machine = MachineInfo()
    var notes: [String] = []
    var targets: [HTTPTargetResult] = []
}

/// One target at one rate.
struct HTTPTargetResult: Encodable {
    var path: String
    var signed_in: Bool
    var rate: Int
    /// Requests scheduled in the measured window.
    var scheduled: Int
    /// Of those, written to a connection before the cut-off.
    var sent: Int
    /// Answered with 2xx or 3xx.
    var completed: Int
    /// Other statuses, connection failures and requests unanswered at the cut-off.
    var errors: Int
    var first_error: String?
    var statuses: [String: Int]
    var achieved_per_s: Double
    /// Latency from the scheduled send time to the end of the answer, over every answered request
    /// and (as a lower bound) every request still unanswered at the cut-off.
    var p50_ms: Double
    var p90_ms: Double
    var p99_ms: Double
    var max_ms: Double
    /// Scheduled time to the moment the request was written (client timer plus waiting for a free connection).
    var send_delay_p99_ms: Double
    var response_bytes: Int
    /// Ledger entries appended while this target ran (in-process mode): one per read a page makes.
    var ledger_entries_added: UInt64?
    /// CPU time of this process (server and load generator in-process; the load generator alone
    /// with --url) and of everything else on the machine, in percent of one core, over the run
    /// including warm-up.
    var cpu_percent_self: Double?
    var cpu_percent_others: Double?
    /// This process's CPU time per answered request (warm-up included), in microseconds.
    var cpu_us_per_request: Double?
    var meets_target: Bool

    init(path: String, signed_in: Bool, rate: Int, outcome: OpenLoopLoad.Outcome, p99Target: Double) {
        self.path = path
        self.signed_in = signed_in
        self.rate = rate
        scheduled = outcome.scheduled
        sent = outcome.sent
        completed = outcome.completed
        errors = outcome.errors
        first_error = outcome.firstError
        statuses = Dictionary(uniqueKeysWithValues: outcome.statuses.map { (String($0.key), $0.value) })
        achieved_per_s = outcome.achievedPerSecond
        p50_ms = outcome.latencies.percentile(50)
        p90_ms = outcome.latencies.percentile(90)
        p99_ms = outcome.latencies.percentile(99)
        max_ms = outcome.latencies.last ?? 0
        send_delay_p99_ms = outcome.sendDelays.percentile(99)
        response_bytes = outcome.responseBytes
        meets_target = errors == 0 && p99_ms <= p99Target && achieved_per_s >= 0.99 * Double(rate)
    }

    mutating func recordCPU(from start: CPUSample, to end: CPUSample, requests: Int) {
        let wall = end.wall - start.wall
        guard wall > 0 else { return }
        let own = end.process - start.process
        cpu_percent_self = (own / wall * 1000).rounded() / 10
        cpu_us_per_request = (own / Double(max(requests, 1)) * 1e7).rounded() / 10
        if let othersStart = start.others, let othersEnd = end.others {
            cpu_percent_others = (max(0, othersEnd - othersStart) / wall * 1000).rounded() / 10
        }
    }
}

extension Progress {
    /// One line of progress on standard error, on a terminal only.
    func line(_ text: String) {
        guard enabled else { return }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

// MARK: - HTTP endpoint and one-off requests

/// The server under load: host, port and one-off requests (set-up, sign-in, probes).
struct HTTPEndpoint: CustomStringConvertible, Sendable {
    let host: String
    let port: Int

    init(_ url: String) throws {
        guard let components = URLComponents(string: url), let host = components.host, !host.isEmpty else {
            throw ValidationError("--url is not a URL: \(url)")
        }
        guard components.scheme == "http" else { throw ValidationError("--url must be http:// (the load generator does not speak TLS).") }
        self.host = host
        port = components.port ?? 80
    }

    var description: String { "http://\(hostHeader)" }
    var hostHeader: String { port == 80 ? host : "\(host):\(port)" }

    struct Answer: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
        var location: String? { headers["Location"].first }
    }

    /// One request on its own connection.
    func request(
        group: any EventLoopGroup, method: HTTPMethod = .GET, path: String, cookie: String? = nil, body: [UInt8]? = nil
    ) async throws -> Answer {
        var headers = HTTPHeaders([("Host", hostHeader), ("User-Agent", "medledger-bench"), ("Connection", "close")])
        if let cookie { headers.add(name: "Cookie", value: cookie) }
        if let body {
            headers.add(name: "Content-Type", value: "application/json")
            headers.add(name: "Content-Length", value: String(body.count))
        }
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: path, headers: headers)
        let loop = group.next()
        let promise = loop.makePromise(of: Answer.self)
        let channel = try await ClientBootstrap(group: loop)
            .connectTimeout(.seconds(10))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(OneRequestHandler(head: head, body: body, promise: promise))
                }
            }
            .connect(host: host, port: port).get()
        defer { channel.close(promise: nil) }
        return try await promise.futureResult.get()
    }

    /// Polls `/checkpoint` until the server answers (it starts in a task of its own).
    func waitUntilServing(group: any EventLoopGroup) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(20)
        while true {
            if let answer = try? await request(group: group, path: "/checkpoint"), answer.status == 200 { return }
            guard clock.now < deadline else { throw CLIError("the in-process server did not start on \(description)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}

/// Sends one request when the connection is up and collects the whole answer.
private final class OneRequestHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    let head: HTTPRequestHead
    let body: [UInt8]?
    let promise: EventLoopPromise<HTTPEndpoint.Answer>
    private var answer: HTTPEndpoint.Answer?
    private var done = false
    private var timeout: Scheduled<Void>?

    init(head: HTTPRequestHead, body: [UInt8]?, promise: EventLoopPromise<HTTPEndpoint.Answer>) {
        self.head = head
        self.body = body
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body { context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil) }
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        let loop = context.eventLoop.assumeIsolated()
        timeout = loop.scheduleTask(in: .seconds(60)) { [self] in finish(.failure(CLIError("no answer from \(head.uri) within 60 s"))) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let response):
            answer = .init(status: Int(response.status.code), headers: response.headers, body: [])
        case .body(let buffer):
            answer?.body += buffer.readableBytesView
        case .end:
            if let answer { finish(.success(answer)) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.failure(CLIError("the connection closed before \(head.uri) was answered")))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.failure(error))
        context.close(promise: nil)
    }

    private func finish(_ result: Result<HTTPEndpoint.Answer, any Error>) {
        guard !done else { return }
        done = true
        timeout?.cancel()
        promise.completeWith(result)
    }
}

// MARK: - Open-loop load generator

/// Sends one request template at a fixed arrival rate over keep-alive connections and records
/// latency from each request's *scheduled* time (so a request that waits for a free connection, or
/// behind a slow server, carries that wait: no coordinated omission).
///
/// Everything runs on one event loop of the benchmark's own thread: the timer, the dispatch queue
/// and every connection's handler; that confinement is why this class is `@unchecked Sendable`.
/// Requests are handed out first come, first served to whichever connection is free; a request
/// whose time has come while all connections wait for answers queues in order.
final class OpenLoopLoad: @unchecked Sendable {
    struct Plan: Sendable {
        var host: String
        var port: Int
        var head: HTTPRequestHead
        var rate: Int
        var warmupRequests: Int
        var measuredRequests: Int
        var drain: TimeAmount
        var connections: Int

        var total: Int { warmupRequests + measuredRequests }
    }

    struct Outcome: Sendable {
        var scheduled = 0
        var sent = 0
        var completed = 0
        var errors = 0
        var firstError: String?
        var statuses: [Int: Int] = [:]
        /// Milliseconds, sorted.
        var latencies: [Double] = []
        var sendDelays: [Double] = []
        var responseBytes = 0
        var achievedPerSecond = 0.0
        /// Requests answered with any status, warm-up included (for CPU time per request).
        var answeredIncludingWarmup = 0
    }

    private let loop: any EventLoop
    private let plan: Plan
    private let promise: EventLoopPromise<Outcome>
    private let answeredCounter = Counter()
    private var start = NIODeadline.now()
    /// Requests whose scheduled time has come.
    private var due = 0
    /// The next request to hand to a connection; `next..<due` are queued.
    private var next = 0
    private var inFlight = 0
    private var answers = 0
    private var idle: [LoadConnection] = []
    private var connections: [LoadConnection] = []
    private var finished = false
    private var drainTimerSet = false
    private var outcome = Outcome()
    private var lastAnswer: NIODeadline?

    private init(loop: any EventLoop, plan: Plan) {
        self.loop = loop
        self.plan = plan
        promise = loop.makePromise()
        outcome.scheduled = plan.measuredRequests
        outcome.latencies.reserveCapacity(plan.measuredRequests)
        outcome.sendDelays.reserveCapacity(plan.measuredRequests)
    }

    /// Connects, runs the schedule, and returns the measured figures. `progress` sees answered
    /// requests (warm-up included) against the total about twice a second.
    static func run(_ plan: Plan, group: any EventLoopGroup, progress: @escaping @Sendable (Int, Int) -> Void) async throws -> Outcome {
        let load = OpenLoopLoad(loop: group.next(), plan: plan)
        try await load.connectAll()
        let reporter = Task {
            while !Task.isCancelled {
                progress(load.answeredCounter.value, plan.total)
                try? await Task.sleep(for: .milliseconds(500))
            }
        }
        defer { reporter.cancel() }
        load.loop.execute { load.begin() }
        let outcome = try await load.promise.futureResult.get()
        progress(plan.total, plan.total)
        return outcome
    }

    private func connectAll() async throws {
        let futures = (0..<plan.connections).map { _ in connect() }
        for future in futures { _ = try await future.get() }
    }

    private func connect() -> EventLoopFuture<any Channel> {
        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelInitializer { [self] channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(LoadConnection(load: self))
                }
            }
            .connect(host: plan.host, port: plan.port)
    }

    /// The scheduled send time of request `index`.
    private func time(_ index: Int) -> NIODeadline {
        start + .nanoseconds(Int64(index) * 1_000_000_000 / Int64(plan.rate))
    }

    private func begin() {
        start = .now() + .milliseconds(5)
        loop.assumeIsolated().scheduleTask(deadline: start) { [self] in tick() }
    }

    /// Makes every request whose time has come due, hands out what it can, and sleeps until the next one.
    private func tick() {
        guard !finished else { return }
        let now = NIODeadline.now()
        while due < plan.total && time(due) <= now { due += 1 }
        dispatch(now: now)
        if due < plan.total {
            loop.assumeIsolated().scheduleTask(deadline: time(due)) { [self] in tick() }
        } else if !drainTimerSet {
            drainTimerSet = true
            loop.assumeIsolated().scheduleTask(deadline: time(plan.total - 1) + plan.drain) { [self] in finish() }
            finishIfDone()
        }
    }

    private func dispatch(now: NIODeadline) {
        while next < due, let connection = takeIdle() {
            let index = next
            next += 1
            if index >= plan.warmupRequests {
                outcome.sent += 1
                outcome.sendDelays.append(Self.milliseconds(now - time(index)))
            }
            inFlight += 1
            connection.send(index: index, head: plan.head)
        }
    }

    private func takeIdle() -> LoadConnection? {
        while let connection = idle.popLast() {
            if connection.usable && connection.current == nil { return connection }
        }
        return nil
    }

    // Called by the connections.

    func ready(_ connection: LoadConnection) {
        connections.append(connection)
        guard !finished else { return }
        idle.append(connection)
        if next < due { dispatch(now: .now()) }
    }

    func answered(_ connection: LoadConnection, index: Int, status: Int, bytes: Int, keepAlive: Bool) {
        let now = NIODeadline.now()
        inFlight -= 1
        answers += 1
        answeredCounter.increment()
        if index >= plan.warmupRequests && !finished {
            outcome.latencies.append(Self.milliseconds(now - time(index)))
            outcome.statuses[status, default: 0] += 1
            outcome.responseBytes = bytes
            lastAnswer = now
            if (200..<400).contains(status) {
                outcome.completed += 1
            } else {
                outcome.errors += 1
                if outcome.firstError == nil { outcome.firstError = "HTTP \(status) for \(plan.head.uri)" }
            }
        }
        guard !finished else { return }
        if keepAlive {
            idle.append(connection)
            dispatch(now: now)
        } else {
            // The server ends this connection: replace it.
            connection.close()
            reconnect(attempt: 0)
        }
        finishIfDone()
    }

    func lost(_ connection: LoadConnection, index: Int?, error: String) {
        connection.usable = false
        if let index {
            inFlight -= 1
            answeredCounter.increment()
            if index >= plan.warmupRequests && !finished {
                outcome.errors += 1
                if outcome.firstError == nil { outcome.firstError = error }
            }
        }
        guard !finished else { return }
        reconnect(attempt: 0)
        finishIfDone()
    }

    private func reconnect(attempt: Int) {
        connect().whenFailure { [self] error in
            guard !finished else { return }
            if outcome.firstError == nil { outcome.firstError = "reconnect: \(error)" }
            loop.assumeIsolated().scheduleTask(in: .milliseconds(100)) { [self] in
                if !finished { reconnect(attempt: attempt + 1) }
            }
        }
    }

    private func finishIfDone() {
        if due == plan.total && next == plan.total && inFlight == 0 { finish() }
    }

    /// Stops at the end or at the drain cut-off: requests still unanswered count as errors, with
    /// their age at the cut-off as (a lower bound of) their latency.
    private func finish() {
        guard !finished else { return }
        finished = true
        let now = NIODeadline.now()
        var unanswered = connections.compactMap(\.current)
        unanswered += Array(next..<due)
        for index in unanswered where index >= plan.warmupRequests {
            outcome.errors += 1
            outcome.latencies.append(Self.milliseconds(now - time(index)))
        }
        if unanswered.contains(where: { $0 >= plan.warmupRequests }), outcome.firstError == nil {
            outcome.firstError = "requests still unanswered \(plan.drain.nanoseconds / 1_000_000) ms after the last was due"
        }
        for connection in connections { connection.close() }
        outcome.latencies.sort()
        outcome.sendDelays.sort()
        outcome.answeredIncludingWarmup = answers
        let measuredStart = time(plan.warmupRequests)
        let window = max(Self.seconds((lastAnswer ?? now) - measuredStart), Double(plan.measuredRequests) / Double(plan.rate))
        outcome.achievedPerSecond = Double(outcome.completed) / window
        promise.succeed(outcome)
    }

    static func milliseconds(_ amount: TimeAmount) -> Double { Double(amount.nanoseconds) / 1e6 }
    static func seconds(_ amount: TimeAmount) -> Double { Double(amount.nanoseconds) / 1e9 }
}

/// One keep-alive connection of an ``OpenLoopLoad``; at most one request in flight.
final class LoadConnection: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundOut = HTTPClientRequestPart

    private let load: OpenLoopLoad
    private var context: ChannelHandlerContext?
    /// The request in flight.
    var current: Int?
    var usable = false
    private var status = 0
    private var keepAlive = true
    private var bytes = 0

    init(load: OpenLoopLoad) {
        self.load = load
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        usable = true
        load.ready(self)
        context.fireChannelActive()
    }

    func send(index: Int, head: HTTPRequestHead) {
        guard let context else { return }
        current = index
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            keepAlive = head.isKeepAlive
            bytes = 0
        case .body(let buffer):
            bytes += buffer.readableBytes
        case .end:
            guard let index = current else { return }
            current = nil
            load.answered(self, index: index, status: status, bytes: bytes, keepAlive: keepAlive)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let index = current
        current = nil
        if usable || index != nil {
            usable = false
            load.lost(self, index: index, error: "connection closed by the server")
        }
        self.context = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let index = current
        current = nil
        usable = false
        load.lost(self, index: index, error: "\(error)")
        context.close(promise: nil)
    }

    func close() {
        usable = false
        context?.close(promise: nil)
    }
}
