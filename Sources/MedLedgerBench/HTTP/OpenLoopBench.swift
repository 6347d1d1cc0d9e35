import NIOCore
import NIOHTTP1
import NIOPosix

/// The open-loop load settings that `bench http` and `bench fhir` share, so the command line sets
/// them with one option group (``HTTPBench`` and ``FHIRBench`` keep their own defaults).
public protocol OpenLoopBench {
    /// Requests per second; several values run every target at each rate.
    var rate: [Int] { get set }
    /// Measured seconds per target and rate.
    var duration: Double { get set }
    /// Unmeasured seconds at the same rate before each measurement.
    var warmup: Double { get set }
    /// Keep-alive HTTP/1.1 connections the requests are spread over.
    var connections: Int { get set }
    /// The p99 target in milliseconds that each target's `meets_target` checks.
    var p99Target: Double { get set }
    /// Seconds to wait for answers still outstanding after the last scheduled request.
    var drain: Double { get set }
}

extension HTTPBench: OpenLoopBench {}
extension FHIRBench: OpenLoopBench {}

extension OpenLoopBench {
    /// Loads `GET path` with `headers` at each of ``rate`` in turn (warm-up, then the measured
    /// window), and reports each run; `ledgerSize` counts the ledger entries the requests added.
    func measure(
        path: String, headers: HTTPHeaders, signedIn: Bool, server: HTTPEndpoint, group: MultiThreadedEventLoopGroup,
        ledgerSize: (@Sendable () -> UInt64)?, progress: TerminalProgress
    ) async throws -> [HTTPTargetResult] {
        var results: [HTTPTargetResult] = []
        for rate in self.rate {
            let plan = OpenLoopLoad.Plan(
                host: server.host, port: server.port,
                head: HTTPRequestHead(version: .http1_1, method: .GET, uri: path, headers: headers),
                rate: rate, warmupRequests: Int((warmup * Double(rate)).rounded()),
                measuredRequests: max(1, Int((duration * Double(rate)).rounded())),
                drain: .nanoseconds(Int64(drain * 1e9)), connections: connections
            )
            let label = "GET \(path) at \(rate)/s"
            let sizeBefore = ledgerSize?()
            let cpuBefore = CPUSample()
            let outcome = try await OpenLoopLoad.run(plan, group: group) { done, total in progress.show(label, done, total) }
            let cpuAfter = CPUSample()
            var result = HTTPTargetResult(path: path, signed_in: signedIn, rate: rate, outcome: outcome, p99Target: p99Target)
            if let ledgerSize, let sizeBefore { result.ledger_entries_added = ledgerSize() - sizeBefore }
            result.recordCPU(from: cpuBefore, to: cpuAfter, requests: outcome.answeredIncludingWarmup)
            progress.line(
                "\(label): achieved \(Int(result.achieved_per_s))/s, p50 \(HTTPBench.format(result.p50_ms)) ms, "
                    + "p99 \(HTTPBench.format(result.p99_ms)) ms, max \(HTTPBench.format(result.max_ms)) ms, \(result.errors) errors"
            )
            results.append(result)
            // Let the server finish what the previous run left and the disk settle.
            try await Task.sleep(for: .seconds(1))
        }
        return results
    }
}
