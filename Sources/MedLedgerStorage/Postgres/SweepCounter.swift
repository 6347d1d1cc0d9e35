import Synchronization

/// A count shared by copies of a store, for spacing out its sweeps.
final class SweepCounter: Sendable {
    private let value = Mutex(0)

    /// The count after adding one.
    func next() -> Int {
        value.withLock { count in
            count &+= 1
            return count
        }
    }
}
