import Synchronization

/// Holds a refusal back for a moment before it is sent (a tarpit), so a client that retries the
/// instant it is refused cannot turn cheap refusals into thousands of requests a second. A held
/// request is a suspended task: it costs memory, not CPU. At most `capacity` are held at once;
/// beyond that refusals go out at once, so holding can never pile up without bound.
public final class RefusalHold: Sendable {
    public let duration: Duration
    public let capacity: Int
    private let held = Mutex(0)

    public init(duration: Duration, capacity: Int = 4096) {
        self.duration = duration
        self.capacity = max(0, capacity)
    }

    /// Refusals being held now.
    public var count: Int { held.withLock { $0 } }

    /// Waits `duration` when there is room to hold one more refusal; returns at once otherwise.
    public func hold() async {
        guard duration > .zero else { return }
        let admitted = held.withLock { count -> Bool in
            guard count < capacity else { return false }
            count += 1
            return true
        }
        guard admitted else { return }
        defer { held.withLock { $0 -= 1 } }
        try? await Task.sleep(for: duration)
    }
}
