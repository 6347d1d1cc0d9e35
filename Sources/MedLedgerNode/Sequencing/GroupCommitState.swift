/// The group-commit state machine: submissions queue while one batch is being written; when the
/// write finishes, everything that queued meanwhile becomes the next batch.
///
/// A value type that only returns actions, so the policy is tested without I/O.
struct GroupCommitState<Item> {
    private var pending: [Item] = []
    private var writing = false

    enum EnqueueAction: Equatable {
        /// No writer is running: start one.
        case startWriter
        /// The running writer will pick the item up.
        case none
    }

    enum NextAction {
        case write([Item])
        /// Nothing is pending: the writer stops.
        case stop
    }

    mutating func enqueue(_ item: Item) -> EnqueueAction {
        pending.append(item)
        if writing { return .none }
        writing = true
        return .startWriter
    }

    /// Called by the writer when it is ready for more work.
    mutating func next(maxBatch: Int) -> NextAction {
        guard !pending.isEmpty else {
            writing = false
            return .stop
        }
        if pending.count <= maxBatch {
            defer { pending = [] }
            return .write(pending)
        }
        let batch = Array(pending.prefix(maxBatch))
        pending.removeFirst(maxBatch)
        return .write(batch)
    }

    var pendingCount: Int { pending.count }
}
