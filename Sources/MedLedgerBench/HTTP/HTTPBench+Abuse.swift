import AsyncHTTPClient
import Crypto
import Logging
import Foundation
import MedLedgerClient
import MedLedgerCore
import MedLedgerHTTP
import MedLedgerNode
import MedLedgerStorage
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import ServiceLifecycle

/// `medledger bench http --abuse`: anonymous clients hammer sign-up and log-in (each a slow
/// password hash on the server) while `/checkpoint` and a signed-in page are loaded at a fixed rate;
/// the measured requests' latencies show whether the anonymous work starves the node.
///
/// The in-process server has the node's default sign-in workers and queue, but no per-address
/// sign-in budget: every abusing client stands for a botnet of many addresses, the case where
/// only the bounded workers protect the node. Request budgets are off so that one session can be
/// loaded at the measured rate.
extension HTTPBench {
    /// Abuse mode (self-contained only): anonymous clients hammer sign-up and log-in while
    /// `/checkpoint` and a signed-in page are measured.
    public func runAbuse(progress: TerminalProgress = TerminalProgress()) async throws -> AbuseBenchResult {
        try await withScratch(named: "abuse", keep: false) { path, group in
            try await abuseReport(path: path, group: group, progress: progress)
        }
    }

    private func abuseReport(path: String, group: MultiThreadedEventLoopGroup, progress: TerminalProgress) async throws -> AbuseBenchResult {
        let logger = Self.logger("medledger.bench", level: .warning)
        let opened = try await ledgers.openOrInitialise(path: path, logger: logger)
        let (node, storage) = (opened.node, opened.storage)
        let credentials = storage.credentials
        progress.line("preparing a patient and a record…")
        let patient = try await BenchPatient.create(node: node, credentials: credentials, records: 1)
        let signIn = SignInLimits.standard(perClientPerMinute: 10_000_000, perUsernamePerMinute: 10_000_000)
        let web = try await WebApplication.load(
            node: node, credentials: credentials, configuration: WebConfiguration(secret: try DataDirectory(path: path).webSecret()),
            limits: .unlimited, signIn: signIn, logger: logger
        )
        let port = try await Self.freePort(group: group)
        // The node and the checkpointer run as services beside the server, as `serve` runs them.
        let app = try buildApplication(
            node: node, web: web, host: "127.0.0.1", port: port, services: storage.services + [node],
            logger: Self.logger("medledger.bench.server", level: .critical)
        )
        let server = try HTTPEndpoint("http://127.0.0.1:\(port)")

        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await app.run() }
            defer { tasks.cancelAll() }
            let cookie = try await BrowserSignIn.signInWhenServing(server: server, origin: node.origin, patient: patient, progress: progress)
            let page = "/patient/records"
            let probe = try await server.request(path: page, cookie: cookie)
            guard probe.status == 200 else { throw BenchError("\(page) answered HTTP \(probe.status) when signed in") }

            let abuseGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            // The abusers' own pool on their own thread, a connection for each.
            let abuseHTTP = HTTPClient(
                eventLoopGroupProvider: .shared(abuseGroup), configuration: MedLedgerClient.pooledConfiguration(connections: abuseClients)
            )
            let cpuBefore: CPUSample, cpuAfter: CPUSample, halves: [(path: String, cookie: String?, rate: Int)]
            let outcomes: [OpenLoopLoad.Outcome], abuse: AbuseClients.Summary
            var abuseTask: Task<AbuseClients.Summary, Never>?
            do {
                let abusers = AbuseClients(
                    server: try HTTPEndpoint(server.description, httpClient: abuseHTTP), count: abuseClients, origin: node.origin
                )
                progress.line("\(abuseClients) anonymous clients hammering /auth/signup and /auth/login…")
                let abusing = Task { await abusers.run() }
                abuseTask = abusing
                try await Task.sleep(for: .seconds(1))

                cpuBefore = CPUSample()
                halves = [(path: "/checkpoint", cookie: String?.none, rate: abuseRate - abuseRate / 2), (path: page, cookie: String?(cookie), rate: abuseRate / 2)]
                outcomes = try await withThrowingTaskGroup(of: (Int, OpenLoopLoad.Outcome).self) { loads in
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
                cpuAfter = CPUSample()
                abusing.cancel()
                abuse = await abusing.value
            } catch {
                abuseTask?.cancel()
                _ = await abuseTask?.value
                try? await abuseHTTP.shutdown()
                try? await abuseGroup.shutdownGracefully()
                throw error
            }
            try? await abuseHTTP.shutdown()
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
