import MedLedgerCore

/// Typed reads of public ledger data for the explorer pages and tools, so no caller reads the
/// store itself.
extension LedgerNode {
    /// The explorer's view of the latest checkpoint; nil before genesis. Read once per tree size
    /// and then served from memory until the next block.
    public func explorerView() async throws -> ExplorerView? {
        guard let checkpoint else { return nil }
        let size = checkpoint.checkpoint.size
        if let cached = explorerCache.view(at: size) { return cached }
        let start = size > ExplorerView.entryCount ? size - ExplorerView.entryCount : 0
        let entries = try await store.entries(start..<size)
        let events = try await store.events(entries: start..<size)
        let outcomes = Dictionary(events.map { ($0.index, $0) }, uniquingKeysWith: { first, _ in first })
        // The latest checkpoints (blocks) among the last 64 entries: each block holds at least one.
        let recent = try await store.checkpoints(after: size > 64 ? size - 64 : 0, limit: 64)
            .filter { $0.size <= size }
            .suffix(ExplorerView.checkpointCount)
        let view = ExplorerView(
            checkpoint: checkpoint,
            rows: entries.reversed().map { ExplorerView.Row(entry: $0, event: outcomes[$0.index]) },
            blocks: recent.reversed().map(ExplorerView.Block.init)
        )
        explorerCache.keep(view)
        return view
    }

    /// The entry at `index` with its audit event; nil when the published tree does not hold it.
    public func entry(at index: UInt64) async throws -> ExplorerView.Row? {
        guard index < size, let stored = try await store.entries(index..<(index + 1)).first else { return nil }
        let event = try await store.events(entries: index..<(index + 1)).first
        return ExplorerView.Row(entry: stored, event: event)
    }

    /// The leaf hash of the entry at `index`, as the tree holds it.
    public func leafHash(at index: UInt64) async throws -> TreeHash {
        guard index < size else { throw LedgerNodeError.outOfRange }
        return try await hashes(of: [index..<(index + 1)])[0]
    }
}
