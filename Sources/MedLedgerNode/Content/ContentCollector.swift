import Logging
import ServiceLifecycle
import MedLedgerCore

/// Removes stored objects that no ledger entry names once they are older than a grace period:
/// uploads whose transaction was never signed, abandoned forms, retried uploads. Objects whose
/// owner's key was destroyed (an erasure interrupted before its objects went) are removed at once.
///
/// An object is kept while any committed entry that the contracts allowed names its CID (a
/// denied entry keeps nothing, so a refused transaction cannot pin content), and while it is
/// younger than `grace`, which covers the time between an upload and the transaction that names it. References are read from the entries themselves
/// (``ContentReferences``), scanning only the entries added since the previous pass.
public actor ContentCollector {
    let store: any LedgerStore
    let blobs: any BlobStore
    let grace: Int64
    let clock: @Sendable () -> Int64
    let logger: Logger
    private var referenced: Set<String> = []
    private var scanned: UInt64 = 0

    /// What one pass did.
    public struct Pass: Sendable, Equatable {
        /// Objects stored when the pass began.
        public var stored = 0
        /// Objects no entry names and older than the grace period, now removed.
        public var removed = 0
        /// Objects no entry names yet, kept because they are recent.
        public var pending = 0
        /// Objects of erased patients, now removed.
        public var erased = 0
    }

    /// A collector over `store`'s entries and `blobs`; `grace` in milliseconds (default one day).
    public init(
        store: any LedgerStore, blobs: any BlobStore, grace: Int64 = 86_400_000,
        clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock, logger: Logger = Logger(label: "medledger.content")
    ) {
        self.store = store
        self.blobs = blobs
        self.grace = grace
        self.clock = clock
        self.logger = logger
    }

    /// Reads new entries' references, then removes unreferenced objects past the grace period.
    @discardableResult
    public func collect() async throws -> Pass {
        // The inventory is taken first: an object stored after it is not considered this pass.
        let objects = try await blobs.inventory()
        let size = try await store.head().checkpoint?.checkpoint.size ?? 0
        while scanned < size {
            let end = min(size, scanned + 4096)
            // A denied transaction names content the contracts never accepted: it keeps nothing,
            // so naming someone's CID in a refused entry cannot pin it against collection.
            let events = try await store.events(AuditQuery(after: scanned == 0 ? nil : scanned - 1, limit: Int(end - scanned)))
            let denied = Set(events.lazy.filter { $0.index < end && $0.outcome == .denied }.map(\.index))
            for entry in try await store.entries(scanned..<end) where !denied.contains(entry.index) {
                referenced.formUnion(ContentReferences.contentIDs(inEntry: entry.entry))
            }
            scanned = end
        }
        var pass = Pass(stored: objects.count)
        let cutoff = clock() - grace
        for object in objects {
            if object.ownerErased {
                try await blobs.remove(object.cid)
                pass.erased += 1
                continue
            }
            guard !referenced.contains(object.cid) else { continue }
            if object.storedAt < cutoff {
                try await blobs.remove(object.cid)
                pass.removed += 1
            } else {
                pass.pending += 1
            }
        }
        if pass.removed > 0 || pass.erased > 0 {
            logger.notice(
                "removed content", metadata: ["unreferenced": "\(pass.removed)", "erased": "\(pass.erased)", "stored": "\(pass.stored)"]
            )
        }
        return pass
    }

    /// Runs ``collect()`` every `interval` milliseconds until the task is cancelled; a failed pass
    /// is logged and retried at the next interval.
    public func run(every interval: Int64) async {
        while !Task.isCancelled {
            do {
                try await collect()
            } catch {
                logger.error("content collection failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(nanoseconds: UInt64(interval) * 1_000_000)
        }
    }
}

/// Runs a ``ContentCollector`` beside the server until graceful shutdown.
public struct ContentCollectionService: Service {
    let collector: ContentCollector
    /// Milliseconds between passes.
    let interval: Int64

    public init(collector: ContentCollector, interval: Int64 = 3_600_000) {
        self.collector = collector
        self.interval = interval
    }

    public func run() async throws {
        try await cancelWhenGracefulShutdown {
            await collector.run(every: interval)
        }
    }
}
