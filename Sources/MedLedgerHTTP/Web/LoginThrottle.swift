/// Limits failed log-ins per username and per client address in a sliding window, so passwords
/// cannot be guessed at speed (the slow hash alone would still allow thousands a day).
actor LoginThrottle {
    struct Limits: Sendable {
        var perUsername = 5
        var perClient = 30
        /// Milliseconds.
        var window: Int64 = 15 * 60_000
    }

    private let limits: Limits
    private var failures: [String: [Int64]] = [:]

    init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Milliseconds until another attempt is allowed, or nil when one is allowed now.
    func retryAfter(username: String, client: String, now: Int64) -> Int64? {
        let keys = [("user:" + username.lowercased(), limits.perUsername), ("client:" + client, limits.perClient)]
        var wait: Int64?
        for (key, limit) in keys {
            let recent = (failures[key] ?? []).filter { now - $0 < limits.window }
            failures[key] = recent.isEmpty ? nil : recent
            if recent.count >= limit, let oldest = recent.first {
                wait = max(wait ?? 0, oldest + limits.window - now)
            }
        }
        return wait
    }

    func recordFailure(username: String, client: String, now: Int64) {
        failures["user:" + username.lowercased(), default: []].append(now)
        failures["client:" + client, default: []].append(now)
        if failures.count > 100_000 { failures = failures.filter { now - ($0.value.last ?? 0) < limits.window } }
    }

    func recordSuccess(username: String) {
        failures["user:" + username.lowercased()] = nil
    }
}
