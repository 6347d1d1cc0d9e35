import Synchronization

/// Keeps the explorer's view of the latest tree size, so page views between two blocks read
/// nothing from the store: everything the view shows is fixed once its checkpoint is durable.
final class ExplorerCache: Sendable {
    private let latest = Mutex<ExplorerView?>(nil)

    /// The cached view when it was read at `size`.
    func view(at size: UInt64) -> ExplorerView? {
        latest.withLock { view in view?.size == size ? view : nil }
    }

    /// Keeps `view` unless a view of a larger tree is already kept (readers may finish out of order).
    func keep(_ view: ExplorerView) {
        latest.withLock { kept in
            if let current = kept, current.size > view.size { return }
            kept = view
        }
    }
}
