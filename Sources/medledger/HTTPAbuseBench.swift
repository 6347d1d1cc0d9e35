import Crypto
import Foundation
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `medledger bench http --abuse`: anonymous clients hammer sign-up and log-in (each a slow
/// password hash on the server) while `/checkpoint` and a signed-in page are loaded at a fixed rate;
/// the measured requests' latencies show whether the anonymous work starves the node.
///
/// The in-process server has the node's default sign-in workers and queue, but no per-address
/// sign-in budget: every abusing client stands for a botnet of many addresses, the case where
/// only the bounded workers protect the node. Request budgets are off so that one session can be
/// loaded at the measured rate.
extension HTTPBenchCommand {
    func runAbuse(group: MultiThreadedEventLoopGroup, progress: Progress) async throws {
        let temporary = data == nil
            ? FileManager.default.temporaryDirectory.appendingPathComponent("medledger-bench-abuse-\(UUID().uuidString)").path : nil
        let report: AbuseBenchResult
        do {
            report = try await abuseReport(path: data ?? temporary!, group: group, progress: progress)
        } catch {
            if let temporary { await Self.remove(temporary) }
            throw error
        }
        if let temporary { await Self.remove(temporary) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        print(String(decoding: try encoder.encode(report), as: UTF8.self))
    }

    private func abuseReport(path: String, group: MultiThreadedEventLoopGroup, progress: Progress) async throws -> AbuseBenchResult {
        let logger = makeLogger("medledger.bench", level: .warning)
        let (node, database) = try await openOrInitialiseBenchLedger(path: path, logger: logger)
        let credentials = SQLiteCredentialStore(database: database)
        progress.line("preparing a patient and a record…")
        let patient = try await BenchPatient.create(node: node, credentials: credentials, records: 1)
        let signIn = SignInLimits.standard(perClientPerMinute: 10_000_000, perUsernamePerMinute: 10_000_000)
        let web = try await WebApplication.load(
            node: node, credentials: credentials, configuration: WebConfiguration(secret: try DataDirectory(path: path).webSecret()),
            limits: .unlimited, signIn: signIn, logger: logger
        )
        let port = try await Self.freePort(group: group)
        let app = try buildApplication(node: node, web: web, host: "127.0.0.1", port: port, logger: makeLogger("medledger.bench.server", level: .critical))
        let server = try HTTPEndpoint("http://127.0.0.1:\(port)")

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.run() }
            defer { tasks.cancelAll() }
            let cookie = try await BrowserSignIn.signInWhenServing(server: server, group: group, origin: node.origin, patient: patient, progress: progress)
            let page = "/patient/records"
            let probe = try await server.request(group: group, path: page, cookie: cookie)
            guard probe.status == 200 else { throw CLIError("\(page) answered HTTP \(probe.status) when signed in") }

            let abuseGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let abusers = AbuseClients(server: server, group: abuseGroup, count: abuseClients, origin: node.origin)
            progress.line("\(abuseClients) anonymous clients hammering /auth/signup and /auth/login…")
            let abuseTask = Task { await abusers.run() }
            try await Task.sleep(for: .seconds(1))

            let cpuBefore = CPUSample()
            let halves = [(path: "/checkpoint", cookie: String?.none, rate: abuseRate - abuseRate / 2), (path: page, cookie: String?(cookie), rate: abuseRate / 2)]
            let outcomes = try await withThrowingTaskGroup(of: (Int, OpenLoopLoad.Outcome).self) { loads in
                for (index, target) in halves.enumerated() {
                    var headers = HTTPHeaders([("Host", server.hostHeader), ("User-Agent", "medledger-bench"), ("Accept", "*/*")])
                    if let cookie = target.cookie { headers.add(name: "Cookie", value: cookie) }
                    let plan = OpenLoopLoad.Plan(
                        host: server.host, port: server.port,
                        head: HTTPRequestHead(version: .http1_1, method: .GET, uri: target.path, headers: headers),
                        rate: target.rate, warmupRequests: Int((warmup * Double(target.rate)).rounded()),
                        measuredRequests: max(1, Int((duration * Double(target.rate)).rounded())),
                        drain: .nanoseconds(Int64(drain * 1e9)), connections: max(1, connections / 2)
                    )
                    loads.addTask {
                        (index, try await OpenLoopLoad.run(plan, group: group) { done, total in
                            if index == 0 { progress.show("measuring under abuse", done, total) }
                        })
                    }
                }
                var collected: [(Int, OpenLoopLoad.Outcome)] = []
                for try await outcome in loads { collected.append(outcome) }
                return collected.sorted { $0.0 < $1.0 }.map(\.1)
            }
            let cpuAfter = CPUSample()
            abuseTask.cancel()
            let abuse = await abuseTask.value
            try? await abuseGroup.shutdownGracefully()

            var report = AbuseBenchResult(
                settings: .init(
                    abuse_clients: abuseClients, measured_rate_total: abuseRate, duration_s: duration, warmup_s: warmup,
                    sign_in_workers: signIn.workers.workers, sign_in_queue: signIn.workers.queueDepth, p99_target_ms: 10
                ),
                abuse: abuse
            )
            for (target, outcome) in zip(halves, outcomes) {
                var result = HTTPTargetResult(path: target.path, signed_in: target.cookie != nil, rate: target.rate, outcome: outcome, p99Target: 10)
                result.recordCPU(from: cpuBefore, to: cpuAfter, requests: outcomes.map(\.answeredIncludingWarmup).reduce(0, +))
                report.measured.append(result)
            }
            report.measured_failures = report.measured.map(\.errors).reduce(0, +)
            report.measured_p99_ms = report.measured.map(\.p99_ms).max() ?? 0
            report.meets_target = report.measured_failures == 0 && report.measured_p99_ms <= 10
            report.machine.loadAverageEnd = MachineInfo.loadAverage()
            return report
        }
    }
}

/// The JSON `bench http --abuse` prints.
struct AbuseBenchResult: Encodable {
    struct Settings: Encodable {
        var abuse_clients: Int
        var measured_rate_total: Int
        var duration_s: Double
        var warmup_s: Double
        var sign_in_workers: Int
        var sign_in_queue: Int
        var p99_target_ms: Double
    }

    var mode = "abuse"
    var machine = MachineInfo()
    var settings: Settings
    /// `/checkpoint` and the signed-in page, measured while the abuse runs.
    var measured: [HTTPTargetResult] = []
    var measured_failures = 0
    /// The larger of the two targets' p99.
    var measured_p99_ms = 0.0
    var meets_target = false
    var abuse: AbuseClients.Summary
}

/// Anonymous clients that send sign-ups (a valid shape, so each reaches the password hash) and
/// log-ins for random usernames (each a hash against a made-up salt) as fast as they are answered,
/// on their own event-loop thread, ignoring `Retry-After` as an attacker would.
final class AbuseClients: Sendable {
    struct Summary: Encodable, Sendable {
        var requests = 0
        var per_s = 0.0
        /// Status counts per route; 0 stands for a connection failure.
        var statuses: [String: [String: Int]] = [:]
    }

    let server: HTTPEndpoint
    let group: MultiThreadedEventLoopGroup
    let count: Int
    /// The ledger's origin, which sign-up proofs name.
    let origin: String
    private let counts = Mutex<[String: [Int: Int]]>([:])

    init(server: HTTPEndpoint, group: MultiThreadedEventLoopGroup, count: Int, origin: String) {
        self.server = server
        self.group = group
        self.count = count
        self.origin = origin
    }

    /// Runs until cancelled; returns what was sent and answered.
    func run() async -> Summary {
        let start = ContinuousClock.now
        await withTaskGroup(of: Void.self) { clients in
            for client in 0..<count {
                clients.addTask { await self.client(client) }
            }
        }
        let seconds = (ContinuousClock.now - start) / .seconds(1)
        var summary = Summary()
        for (route, statuses) in counts.withLock({ $0 }) {
            summary.statuses[route] = Dictionary(uniqueKeysWithValues: statuses.map { (String($0.key), $0.value) })
            summary.requests += statuses.values.reduce(0, +)
        }
        summary.per_s = (Double(summary.requests) / max(seconds, 0.001) * 10).rounded() / 10
        return summary
    }

    private func client(_ number: Int) async {
        let key = P256.Signing.PrivateKey()
        var round = 0
        while !Task.isCancelled {
            round += 1
            let signUp = round % 2 == 0
            let route = signUp ? "/auth/signup" : "/auth/login"
            let status: Int
            do {
                let body = signUp ? try await signUpBody(key: key) : Self.logIn()
                status = try await server.request(group: group, method: .POST, path: route, body: body).status
            } catch {
                status = 0
            }
            if Task.isCancelled { break }
            counts.withLock { $0[route, default: [:]][status, default: 0] += 1 }
        }
    }

    static func random(_ count: Int) -> String {
        Base64Coding.url((0..<count).map { _ in UInt8.random(in: 0...255) })
    }

    static func username() -> String {
        "abuse-" + Hex.encode((0..<6).map { _ in UInt8.random(in: 0...255) })
    }

    /// An auditor's sign-up (no registration envelope needed) with a fresh challenge signed by
    /// `key`: passes every check before the hash.
    func signUpBody(key: P256.Signing.PrivateKey) async throws -> [UInt8] {
        let issued = try await server.request(group: group, method: .POST, path: "/auth/challenge", body: Array("{}".utf8))
        let object = try JSONSerialization.jsonObject(with: Data(issued.body)) as? [String: Any]
        let challenge = object?["challenge"] as? String ?? ""
        let username = Self.username()
        let body: [String: Any] = [
            "username": username, "role": "auditor", "publicKey": key.publicKey.payloadKey, "salt": Self.random(16),
            "iterations": Credential.minimumIterations, "wrappedKey": Self.random(12 + 16 + 121), "authKey": Self.random(32),
            "challenge": challenge,
            "proof": try SignupProof.sign(origin: origin, challenge: challenge, username: username, role: .auditor, with: key),
        ]
        return Array(try JSONSerialization.data(withJSONObject: body))
    }

    static func logIn() -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: ["username": username(), "authKey": random(32)])) ?? Data())
    }
}
