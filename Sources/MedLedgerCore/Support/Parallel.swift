import Foundation
import Synchronization

/// Pure work spread over every core (signature checks of thousands of entries).
public enum Parallel {
    /// `transform` over `items` on every core; results in the items' order. Small inputs run inline.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) -> R) -> [R] {
        guard items.count > 64 else { return items.map(transform) }
        let chunks = min(ProcessInfo.processInfo.activeProcessorCount * 4, items.count / 16)
        let size = (items.count + chunks - 1) / chunks
        let parts = Mutex([[R]?](repeating: nil, count: chunks))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let slice = items[min(chunk * size, items.count)..<min((chunk + 1) * size, items.count)]
            let mapped = slice.map(transform)
            parts.withLock { $0[chunk] = mapped }
        }
        return parts.withLock { $0.flatMap { $0 ?? [] } }
    }
}
