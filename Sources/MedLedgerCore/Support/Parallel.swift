import Foundation

/// Pure work spread over every core (signature checks of thousands of entries).
public enum Parallel {
    /// `transform` over `items` in child tasks, a few chunks per core; results in the items' order.
    /// Small inputs run inline. The work stays on Swift's cooperative pool, which is sized to the
    /// cores, so no thread is blocked waiting for other threads.
    public static func map<T: Sendable, R: Sendable>(_ items: [T], _ transform: @escaping @Sendable (T) -> R) async -> [R] {
        guard items.count > 64 else { return items.map(transform) }
        let chunks = min(ProcessInfo.processInfo.activeProcessorCount * 4, items.count / 16)
        let size = (items.count + chunks - 1) / chunks
        return await withTaskGroup(of: (Int, [R]).self) { group in
            for chunk in 0..<chunks {
                let slice = items[min(chunk * size, items.count)..<min((chunk + 1) * size, items.count)]
                group.addTask { (chunk, slice.map(transform)) }
            }
            var parts = [[R]](repeating: [], count: chunks)
            for await (chunk, mapped) in group { parts[chunk] = mapped }
            return parts.flatMap { $0 }
        }
    }
}
