import MedLedgerCore
import MedLedgerNode

/// What protects the node from anonymous sign-in traffic: the workers that run the slow hashes,
/// and request budgets per client address and per username for the routes that use them
/// (sign-up, log-in, password change). An unknown username spends the same budgets and the same
/// hash as a known one, so the answers do not tell them apart.
public struct SignInLimits: Sendable {
    public var workers: KDFWorkers
    /// Keyed by the client's IP address.
    public var clients: any RateLimiter
    /// Keyed by the lower-cased username tried at log-in.
    public var usernames: any RateLimiter
    /// How a refusal for busy workers is held before it is sent.
    public var busyHold: RefusalHold

    public init(workers: KDFWorkers, clients: any RateLimiter, usernames: any RateLimiter, busyHold: RefusalHold = RefusalHold(duration: .zero)) {
        self.workers = workers
        self.clients = clients
        self.usernames = usernames
        self.busyHold = busyHold
    }

    /// One worker with a queue of 8, 60 hashed requests a minute per client address and 30
    /// log-ins a minute per username (each in bursts of up to a minute's worth), and refusals for
    /// busy workers held for `busyHoldMillis` (1 s) before they are sent. The budgets live in
    /// `shared` when given (so they hold across every node; its limiters keep their own clock),
    /// else in this process's memory on `clock`.
    public static func standard(
        workers: Int = 1, queueDepth: Int = 8, perClientPerMinute: Int = 60, perUsernamePerMinute: Int = 30,
        busyHoldMillis: Int = 1000, clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock, shared: WebSharedState? = nil
    ) -> SignInLimits {
        let shared = shared ?? .inMemory(clock: clock)
        return SignInLimits(
            workers: KDFWorkers(workers: workers, queueDepth: queueDepth),
            clients: shared.rateLimiter("sign-in-clients", RateLimit(perMinute: perClientPerMinute)),
            usernames: shared.rateLimiter("sign-in-usernames", RateLimit(perMinute: perUsernamePerMinute)),
            busyHold: RefusalHold(duration: .milliseconds(max(0, busyHoldMillis)))
        )
    }

    /// Spends one unit of the client's budget and, when given, the username's; throws
    /// ``RateLimitedError`` when either is spent.
    func admit(client: String, username: String? = nil) async throws {
        let byClient = try await clients.acquire(key: client, cost: 1)
        if case .limited = byClient {
            throw RateLimitedError(byClient, message: "Too many sign-in requests from this address; try again in \(byClient.retryAfterSeconds) second(s).")
        }
        guard let username else { return }
        let byName = try await usernames.acquire(key: username.lowercased(), cost: 1)
        if case .limited = byName {
            throw RateLimitedError(byName, message: "Too many sign-in attempts for this username; try again in \(byName.retryAfterSeconds) second(s).")
        }
    }

    /// Refuses (``RateLimitedError/busy``) while every worker and queue place is taken, before the
    /// request costs a body decode or a database read. The refusal is held for ``busyHold`` first:
    /// a flood of clients that retry on the instant otherwise costs the cores more in refusals
    /// than the hashes ever did.
    func requireRoom() async throws {
        guard workers.isFull else { return }
        await busyHold.hold()
        throw RateLimitedError.busy
    }

    /// Runs a slow hash on the workers; ``RateLimitedError/busy`` when they are all taken.
    func hash<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await workers.run(body)
        } catch is KDFWorkersBusy {
            await busyHold.hold()
            throw RateLimitedError.busy
        }
    }
}
