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
