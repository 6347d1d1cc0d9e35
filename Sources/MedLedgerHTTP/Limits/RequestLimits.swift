import MedLedgerCore

/// The per-key limits on what signed requests may add: transactions, reads (including the reads a
/// signed-in page makes with its session key) and uploads, each a ``RateLimiter`` keyed by the
/// signer's address. Accounts in `exempt` (the operator's own keys) are never limited.
///
/// A refused request changes nothing: it is answered before anything is sequenced or stored.
public struct RequestLimits: Sendable {
    public var transactions: any RateLimiter
    public var queries: any RateLimiter
    public var uploads: any RateLimiter
    /// Bytes stored per account, in KiB: the account's storage quota, refilled over a day
    /// (``StorageQuota``). Unreferenced uploads are collected after the grace period, so what an
    /// account can keep without signing anything is bounded by its quota.
    public var storage: any RateLimiter
    /// Bytes stored by keys without an account (sign-up documents), in KiB, per client address.
    public var signUpStorage: any RateLimiter
    public var exempt: Set<AccountAddress>

    public init(
        transactions: any RateLimiter, queries: any RateLimiter, uploads: any RateLimiter,
        storage: any RateLimiter = UnlimitedRateLimiter(), signUpStorage: any RateLimiter = UnlimitedRateLimiter(),
        exempt: Set<AccountAddress> = []
    ) {
        self.transactions = transactions
        self.queries = queries
        self.uploads = uploads
        self.storage = storage
        self.signUpStorage = signUpStorage
        self.exempt = exempt
    }

    /// The budgets at these rates, their buckets kept in `shared` (memory, or a database every
    /// node shares, so a key's budget is one budget however many nodes it talks to). Each budget
    /// has a fixed name there: `transactions`, `queries`, `uploads`, `storage`, `sign-up-storage`.
    public init(
        shared: WebSharedState, transactions: RateLimit, queries: RateLimit, uploads: RateLimit, storage: RateLimit? = nil,
        signUpStorage: RateLimit? = nil, exempt: Set<AccountAddress> = []
    ) {
        self.init(
            transactions: shared.rateLimiter("transactions", transactions), queries: shared.rateLimiter("queries", queries),
            uploads: shared.rateLimiter("uploads", uploads),
            storage: storage.map { shared.rateLimiter("storage", $0) } ?? UnlimitedRateLimiter(),
            signUpStorage: signUpStorage.map { shared.rateLimiter("sign-up-storage", $0) } ?? UnlimitedRateLimiter(),
            exempt: exempt
        )
    }

    /// No limits at all (tests, benchmarks that load one key at full speed).
    public static var unlimited: RequestLimits {
        RequestLimits(transactions: UnlimitedRateLimiter(), queries: UnlimitedRateLimiter(), uploads: UnlimitedRateLimiter())
    }

    /// Which budget a request spends.
    enum Kind: String, Sendable {
        case transactions, queries, uploads

        var noun: String {
            switch self {
            case .transactions: "transactions"
            case .queries: "reads"
            case .uploads: "uploads"
            }
        }
    }

    func limiter(_ kind: Kind) -> any RateLimiter {
        switch kind {
        case .transactions: transactions
        case .queries: queries
        case .uploads: uploads
        }
    }

    /// Spends one unit of `key`'s budget (or, with `spend` false, only checks there is one); throws
    /// ``RateLimitedError`` when there is none. `accounts` are the addresses whose exemption
    /// covers the request: the signer, and for a session key the account it reads for.
    func admit(_ kind: Kind, key: AccountAddress, accounts: [AccountAddress] = [], spend: Bool = true) async throws {
        if exempt.contains(key) || accounts.contains(where: { exempt.contains($0) }) { return }
        let limiter = limiter(kind)
        let decision = spend ? try await limiter.acquire(key: key.rawValue, cost: 1) : try await limiter.check(key: key.rawValue, cost: 1)
        guard case .limited = decision else { return }
        throw RateLimitedError(
            decision, message: "Too many \(kind.noun) from this key; try again in \(decision.retryAfterSeconds) second(s). Nothing was recorded."
        )
    }
}
