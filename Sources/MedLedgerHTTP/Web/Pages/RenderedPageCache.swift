import NIOCore
import Synchronization

/// Pages a signed-out visitor sees that depend on nothing but the ledger (the explorer and its
/// entries), kept rendered per tree size: every change to what they show is a new ledger entry,
/// so until the next block a visit costs a lookup instead of reads and a Mustache render.
final class RenderedPageCache: Sendable {
    private struct Page {
        let size: UInt64
        let html: ByteBuffer
    }

    private let pages = Mutex<[String: Page]>([:])
    /// How many distinct addresses are kept; past it the cache starts again, so a crawler walking
    /// every entry cannot grow it without bound.
    let capacity: Int
    /// Longer addresses (query strings) are never kept.
    static let longestKey = 512

    init(capacity: Int = 1_024) {
        self.capacity = capacity
    }

    /// The page rendered for `key` at tree size `size`, if it is still the current one.
    func html(for key: String, size: UInt64) -> ByteBuffer? {
        pages.withLock { pages in
            guard let page = pages[key], page.size == size else { return nil }
            return page.html
        }
    }

    func store(_ html: ByteBuffer, for key: String, size: UInt64) {
        guard key.utf8.count <= Self.longestKey else { return }
        pages.withLock { pages in
            if pages[key] == nil, pages.count >= capacity { pages.removeAll(keepingCapacity: true) }
            pages[key] = Page(size: size, html: html)
        }
    }
}
