import Crypto
import Foundation
import Logging
import MedLedgerCore

/// One ledger node: verifies submissions on every core, sequences them, and answers reads
/// (checkpoint, tiles, proofs) from the store. The HTTP layer and the CLI talk only to this.
///
/// Everything it works with is given to ``open(store:signingKey:blobs:registry:limits:maxBatch:clock:logger:)``
/// and fixed from then on; the store and the verifier stay inside, so every read and write goes
/// through a method that says what it is for. A serving process runs the node as a `Service`
/// (``run()``), which owns the sequencer's write loop and drains it at shutdown; without it the
/// first submitter of each burst writes (see ``Sequencer``).
public struct LedgerNode: Sendable {
    let store: any LedgerStore
    let verifier: EnvelopeVerifier
    public let verifierKey: NoteVerifierKey
    let sequencer: Sequencer
    public let clock: @Sendable () -> Int64
    let treeHashes = TreeHashCache()
    let explorerCache = ExplorerCache()
    /// Where encrypted record content lives; nil when the node serves no content.
    public let blobs: (any BlobStore)?
    /// Signs the entries only the node appends (recorded tally checks, operator pings) with the
    /// service key derived from the log key (``NodeServiceKey``).
    public let service: EnvelopeSigner
    /// This node's place in a shared ledger; nil on a store of its own.
    let membership: ClusterMembership?
    /// Authenticates submissions other nodes of a shared ledger hand to this one.
    let handOnKey: SymmetricKey

    /// Milliseconds since the Unix epoch from the system clock.
    public static let systemClock: @Sendable () -> Int64 = UnixMilliseconds.now

    /// Opens a node on `store`, resuming from its head in O(log n) reads; `blobs` holds record
    /// content (nil for a node that serves none).
    public static func open(
        store: any LedgerStore,
        signingKey: NoteSigningKey,
        blobs: (any BlobStore)? = nil,
        registry: TransactionTypeRegistry = ContractEngine.registry,
        limits: EnvelopeVerifier.Limits = .init(),
        maxBatch: Int = 4096,
        clock: @escaping @Sendable () -> Int64 = LedgerNode.systemClock,
        logger: Logger = Logger(label: "medledger.node"),
        cluster: ClusterConfiguration? = nil
    ) async throws -> LedgerNode {
        var membership: ClusterMembership?
        if let cluster {
            guard let shared = store as? any SharedLedgerStore else { throw LedgerNodeError.notShared }
            membership = ClusterMembership(store: shared, configuration: cluster, logger: logger)
        }
        let head = try await store.head()
        if let checkpoint = head.checkpoint {
            guard checkpoint.checkpoint.origin == signingKey.name, signingKey.verifierKey.hasSigned(checkpoint.note) else {
                throw LedgerNodeError.foreignLedger
            }
        }
        let builder = BlockBuilder(origin: signingKey.name, signingKey: signingKey)
        let contracts = try await store.contractState()
        let sequencer = Sequencer(
            store: store, builder: builder, head: head, contracts: contracts, clock: clock, maxBatch: maxBatch, logger: logger,
            forwarder: cluster?.forwarder
        )
        return LedgerNode(
            store: store, verifier: EnvelopeVerifier(registry: registry, origin: signingKey.name, limits: limits),
            verifierKey: signingKey.verifierKey, sequencer: sequencer, clock: clock, blobs: blobs,
            service: EnvelopeSigner(key: NodeServiceKey.derive(from: signingKey), origin: signingKey.name), membership: membership,
            handOnKey: HandOnKey.derive(from: signingKey)
        )
    }

    /// The same node without its content store: the contracts alone decide, and no content is
    /// checked or read. Benchmarks of the contracts and tests of content-free paths use it; it
    /// shares this node's sequencer, so both write one ledger in one order.
    public func withoutContent() -> LedgerNode {
        LedgerNode(
            store: store, verifier: verifier, verifierKey: verifierKey, sequencer: sequencer, clock: clock, blobs: nil, service: service,
            membership: membership, handOnKey: handOnKey
        )
    }

    /// The largest envelope the node accepts, in bytes (request bodies are refused beyond it).
    public var maxEnvelopeBytes: Int { verifier.limits.maxEnvelopeBytes }

    /// Verifies and sequences one envelope; returns once it is durable.
    /// Throws ``EnvelopeError`` for a refused envelope, ``SequencerError`` when storage fails.
    public func submit(_ envelope: [UInt8]) async throws -> Receipt {
        try await submit(verified: try verify(envelope))
    }

    /// Checks an envelope as ``submit(_:)`` would, without sequencing it: callers that decide on
    /// the proven signer first (rate limits) verify once and then pass the result on.
    public func verify(_ envelope: [UInt8]) throws -> VerifiedTransaction {
        try verifier.verify(envelope, now: clock())
    }

    /// Sequences a transaction ``verify(_:)`` accepted; the block's admission rules still apply.
    /// Throws ``ContentAdmissionError`` when the content a write names is not the signer's upload
    /// for the account the contracts expect. Once the entry is durable, the effects its outcome
    /// names are carried out (``carryOut(_:)``) before the receipt is returned.
    public func submit(verified transaction: VerifiedTransaction) async throws -> Receipt {
        try await admitContent(of: transaction)
        let receipt = try await sequencer.sequence(transaction)
        if let effects = receipt.contract?.effects, !effects.isEmpty {
            try await carryOut(effects)
        }
        return receipt
    }

    /// Appends a `ledger.ping` signed with the node's service key (the only key admission accepts
    /// pings from): proves the write path end to end.
    public func ping() async throws -> Receipt {
        try await submit(service.sign(PingBody(), expires: clock() + 60_000))
    }

    /// Content up to this size is decrypted into ``QueryResult/content`` by ``query(_:loadContent:)``;
    /// larger files are only described, and streamed by ``openContent(of:)``.
    public static let inlineContentLimit: Int64 = 4 << 20

    /// Verifies and sequences a read action, then gathers what it answers: the audit events an
    /// events query names, the decrypted content of a record or profile read (when `loadContent`
    /// and it is at most ``inlineContentLimit`` bytes). A denied read is recorded and thrown as
    /// ``QueryError/denied(_:)``. Content that is missing or fails its integrity check is reported in
    /// ``QueryResult/contentError`` (the read itself is on the ledger) and never yields plaintext.
    public func query(_ envelope: [UInt8], loadContent: Bool = true) async throws -> QueryResult {
        try await query(verified: try verify(envelope), loadContent: loadContent)
    }

    /// ``query(_:loadContent:)`` for a transaction ``verify(_:)`` accepted.
    public func query(verified transaction: VerifiedTransaction, loadContent: Bool = true) async throws -> QueryResult {
        guard ContractEngine.readTypes.contains(transaction.type) else { throw QueryError.notARead(transaction.type) }
        let receipt = try await sequencer.sequence(transaction)
        guard let outcome = receipt.contract else { throw QueryError.notARead(transaction.type) }
        guard outcome.allowed else { throw QueryError.denied(receipt) }
        return try await gather(QueryResult(receipt: receipt, outcome: outcome), loadContent: loadContent)
    }

    /// The `name` field of each profile a names read allowed, decrypted and filtered by the
    /// reader's disclosure exactly as a profile read would show it.
    func names(in profiles: [PatientName]) async -> [AccountAddress: String] {
        guard let blobs else { return [:] }
        var names: [AccountAddress: String] = [:]
        for profile in profiles {
            guard let reader = try? await blobs.open(profile.content, owner: profile.account.address),
                let shown = try? await DisclosedContentReader.make(from: reader, disclosure: profile.disclosure, limit: Self.inlineContentLimit)
            else { continue }
            var bytes: [UInt8] = []
            try? await shown.read(0..<shown.size) { bytes += $0 }
            guard let name = (try? IJSON.parse(bytes))?.object?["name"]?.string else { continue }
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty { names[profile.account.address] = String(trimmed.prefix(200)) }
        }
        return names
    }

    /// Opens the content an allowed record or profile read names, checked against its CID, for
    /// streaming (downloads, ranges). The caller closes the reader.
    /// A record version's object (and a side document's) must also have been uploaded by its author, so a read
    /// decrypts only the document its rule covers, whatever an older entry may have named.
    ///
    /// A patient's profile read under a restricted ``ProfileDisclosure`` is decrypted, filtered to
    /// the fields the disclosure allows and served from memory: this is the one place fields are
    /// removed, and every way of reading content goes through it.
    public func openContent(of result: QueryResult) async throws -> any BlobReader {
        guard let (cid, owner) = result.contentReference else { throw QueryError.noContent }
        guard let blobs else { throw QueryError.contentUnavailable }
        let reader = try await blobs.open(cid, owner: owner)
        if let author = result.contentAuthor, reader.metadata.uploader != author {
            reader.close()
            throw BlobStoreError.integrity("the stored object was not uploaded by the author of what was read")
        }
        guard result.disclosure != .full else { return reader }
        return try await DisclosedContentReader.make(from: reader, disclosure: result.disclosure, limit: Self.inlineContentLimit)
    }

    /// Accounts as the sequencer's state has them (public register facts: role, status, names of
    /// professionals). Pages use it to show names beside addresses; decisions never do.
    public func accounts() async -> [AccountAddress: Account] {
        await sequencer.accounts()
    }

    /// The break-glass access the entry at `index` opened, if it opened one. Pages use it to link an
    /// emergency-access event to its justification, which is read through `document.view`.
    public func breakGlassAccess(openedAt index: UInt64) async -> BreakGlassAccess? {
        await sequencer.read { state in state.breakGlass.values.first { $0.createdAt == index } }
    }

    /// The system parameters in force (public ledger state).
    public func parameters() async -> SystemParameters {
        await sequencer.parameters()
    }

    /// One sign-up invitation (public ledger state: the invitation's public key, a role, an organization, an
    /// expiry), for the invited sign-up page to say what the link is for before the invitee has a key.
    public func invitation(_ id: String) async -> Invitation? {
        await sequencer.read { state in state.invitations[id] }
    }

    /// An organization by id (public ledger state).
    public func organization(_ id: String) async -> Organization? {
        await sequencer.read { state in state.organizations[id] }
    }

    /// One account, as ``accounts()`` has it.
    public func account(_ address: AccountAddress) async -> Account? {
        await sequencer.accounts()[address]
    }

    /// The latest durable checkpoint; nil before genesis.
    public var checkpoint: SignedCheckpoint? { sequencer.published.checkpoint }

    /// The published tree size.
    public var size: UInt64 { checkpoint?.checkpoint.size ?? 0 }

    /// The log's checkpoint origin, which every payload signed for this ledger names.
    public var origin: String { verifier.origin }

    /// A tile's bytes, or nil when the published tree does not cover it yet.
    public func tile(_ request: TileRequest) async throws -> [UInt8]? {
        guard request.isAvailable(treeSize: size) else { return nil }
        switch request {
        case .hashes:
            return try await store.hashes(request.nodeIDs).flatMap(\.bytes)
        case .entries:
            let range = request.indexes
            let entries = try await store.entries(range)
            guard entries.count == range.count else { throw LedgerStoreError.corrupt("entries \(range) are missing") }
            return TileRequest.bundle(entries.map(\.entry))
        }
    }

    /// The inclusion proof of entry `index` in the tree of `size` entries.
    public func inclusionProof(index: UInt64, size: UInt64) async throws -> [TreeHash] {
        guard index < size, size <= self.size else { throw LedgerNodeError.outOfRange }
        return try await hashes(of: MerkleMath.inclusionRanges(index: index, size: size))
    }

    /// The consistency proof from the tree of `from` entries to the tree of `to` entries; empty
    /// from the empty tree (0) and between equal sizes, as RFC 9162 and tlog-witness have it.
    public func consistencyProof(from: UInt64, to: UInt64) async throws -> [TreeHash] {
        guard from <= to, to <= size else { throw LedgerNodeError.outOfRange }
        if from == 0 { return [] }
        return try await hashes(of: MerkleMath.consistencyRanges(oldSize: from, newSize: to))
    }

    /// Fetches every perfect subtree the ranges need in one store call and folds each range.
    func hashes(of ranges: [Range<UInt64>]) async throws -> [TreeHash] {
        let plans = ranges.map(MerkleMath.decompose)
        let fetched = try await treeHashes.hashes(plans.flatMap { $0 }, from: store)
        var offset = 0
        return plans.map { plan in
            defer { offset += plan.count }
            return MerkleMath.fold(Array(fetched[offset..<(offset + plan.count)]))
        }
    }
}

/// Errors of a node's read side and start-up.
public enum LedgerNodeError: Error, Sendable, CustomStringConvertible {
    case outOfRange
    case foreignLedger
    /// Cluster options were given for a store that only one node can use (SQLite).
    case notShared

    public var description: String {
        switch self {
        case .outOfRange: "The requested index or size is outside the published tree."
        case .foreignLedger: "The ledger's latest checkpoint was not signed by this node's key."
        case .notShared: "Several nodes can only share a PostgreSQL store."
        }
    }
}
