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

    public init(workers: KDFWorkers, clients: any RateLimiter, usernames: any RateLimiter) {
        self.workers = workers
        self.clients = clients
        self.usernames = usernames
    }

    /// One worker with a queue of 8, 60 hashed requests a minute per client address and 30
    /// log-ins a minute per username (each in bursts of up to a minute's worth).
    public static func standard(
        workers: Int = 1, queueDepth: Int = 8, perClientPerMinute: Int = 60, perUsernamePerMinute: Int = 30,
        clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock
    ) -> SignInLimits {
        SignInLimits(
            workers: KDFWorkers(workers: workers, queueDepth: queueDepth),
            clients: InMemoryRateLimiter(limit: RateLimit(perMinute: perClientPerMinute), clock: clock),
            usernames: InMemoryRateLimiter(limit: RateLimit(perMinute: perUsernamePerMinute), clock: clock)
        )
    }

    /// Spends one unit of the client's budget and, when given, the username's; throws
    /// ``RateLimitedError`` when either is spent.
    func admit(client: String, username: String? = nil) async throws {
        let byClient = await clients.acquire(key: client, cost: 1)
        if case .limited = byClient {
            throw RateLimitedError(byClient, message: "Too many sign-in requests from this address; try again in \(byClient.retryAfterSeconds) second(s).")
        }
        guard let username else { return }
        let byName = await usernames.acquire(key: username.lowercased(), cost: 1)
        if case .limited = byName {
            throw RateLimitedError(byName, message: "Too many sign-in attempts for this username; try again in \(byName.retryAfterSeconds) second(s).")
        }
    }

    /// Refuses at once (``RateLimitedError/busy``) while every worker and queue place is taken,
    /// before the request costs a body decode or a database read.
    func requireRoom() throws {
        if workers.isFull { throw RateLimitedError.busy }
    }

    /// Runs a slow hash on the workers; ``RateLimitedError/busy`` when they are all taken.
    func hash<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        do {
            return try await workers.run(body)
        } catch is KDFWorkersBusy {
            throw RateLimitedError.busy
        }
    }
}
