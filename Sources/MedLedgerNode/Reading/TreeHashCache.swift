import MedLedgerCore
import Synchronization

/// Keeps the hashes of large perfect subtrees in memory.
///
/// A perfect subtree's hash never changes once written, so caching it is always correct. Only
/// subtrees of at least `2^minimumLevel` leaves are kept: at 10 million entries and level 8 that is
/// under 80,000 hashes (a few megabytes), yet it turns the upper half of every proof into memory reads.
final class TreeHashCache: Sendable {
    let minimumLevel: Int
    private let hashes = Mutex<[TreeNodeID: TreeHash]>([:])

    init(minimumLevel: Int = 8) {
        self.minimumLevel = minimumLevel
    }

    /// Returns the hashes of `ids`, reading only the ones not cached from `store`.
    func hashes(_ ids: [TreeNodeID], from store: any LedgerStore) async throws -> [TreeHash] {
        var result = [TreeHash?](repeating: nil, count: ids.count)
        var missing: [Int] = []
        hashes.withLock { cache in
            for (position, id) in ids.enumerated() {
                if let hash = cache[id] { result[position] = hash } else { missing.append(position) }
            }
        }
        if !missing.isEmpty {
            let fetched = try await store.hashes(missing.map { ids[$0] })
            hashes.withLock { cache in
                for (position, hash) in zip(missing, fetched) {
                    result[position] = hash
                    if ids[position].level >= minimumLevel { cache[ids[position]] = hash }
                }
            }
        }
        return result.map { $0! }
    }
}
